/**
 * Lets timers, I/O and other requests waiting behind a long computation run before it goes on:
 * work that is called in bounded steps awaits this between them.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
