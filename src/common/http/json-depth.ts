import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../errors/domain-error.js';

export const MAX_JSON_DEPTH = 32;

/** Nesting depth of a parsed JSON value, measured without recursion. */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [current, depth] = next;
    if (current === null || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Refuses bodies nested deeper than any DTO needs: validation and transformation walk the
 * body recursively, and a few thousand levels would overflow the stack.
 */
export function limitJsonDepth(req: Request, _res: Response, next: NextFunction): void {
  if (jsonDepth(req.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    next(
      DomainError.validation([{ field: 'body', messages: [`the body nests deeper than ${MAX_JSON_DEPTH} levels`] }]),
    );
    return;
  }
  next();
}
