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

/**
 * A page of at most `limit` rows from `rows`, which the caller read with one row more than the
 * page: that row tells whether another page follows, and the cursor then points after the page.
 */
export function pageOf<T extends { id: number }>(
  rows: readonly T[],
  limit: number,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
