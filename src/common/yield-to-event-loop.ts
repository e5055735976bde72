/**
 * Lets the event loop run whatever is waiting (requests, timers, I/O) before long work goes on:
 * work done in bounded steps awaits this between them. A chain of awaits on a synchronous driver
 * (better-sqlite3) resolves as microtasks only, so without this a job of many short statements
 * blocks the process as one long statement would.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
