/**
 * `value`, which the caller's own logic guarantees is there (a key just set, a row the query
 * cannot miss); a broken guarantee throws an error naming `what` instead of reading on.
 */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}
