import { DomainError } from '../errors/domain-error.js';

/**
 * Opaque page cursors: base64url of the last id seen. Pages are ordered by id and new rows
 * get higher ids, so paging never skips or repeats a row while others insert.
 */
export function encodeCursor(lastId: number): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'number' && Number.isSafeInteger(after) && after >= 0) return after;
  } catch {
    // falls through to the validation error
  }
  throw DomainError.validation([{ field: 'cursor', messages: ['cursor is not one this API returned'] }]);
}
