import { createHmac } from 'node:crypto';
import type { RollbackEvent } from './rollback-notice.js';

/** A rollback's notices, and the rollout guard's pause (the same webhook: whoever answers a rollback answers a pause). */
export type NoticeEvent = RollbackEvent | 'rollout.paused';

export interface WebhookTarget {
  url?: string;
  timeoutMs: number;
  /** ROLLBACK_WEBHOOK_SECRET: when set, every delivery is signed. */
  secret?: string;
}

/** Seconds since the epoch when this delivery attempt was sent; part of the signed text. */
export const TIMESTAMP_HEADER = 'x-phasegate-timestamp';
/** `v1=` and the hex HMAC-SHA256, keyed with ROLLBACK_WEBHOOK_SECRET, of `<timestamp>.<raw body>`. */
export const SIGNATURE_HEADER = 'x-phasegate-signature';

/** Attempts per notice and the base of the backoff between them (doubled each time, jittered by ±50%). */
export const RETRY = { attempts: 3, baseDelayMs: 250 };
const START_GRACE_MS = 100;

export function signature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Delivers a process's rollback notices to the webhook one after another, in the order they
 * were sent, so a receiver sees a rollback's lifecycle in order. A notice that fails is tried
 * again (RETRY.attempts in all, jittered backoff) before the next one goes. The caller waits
 * only for the notice's first attempt, and never longer than ROLLBACK_WEBHOOK_TIMEOUT_MS (plus
 * the moment an attempt takes to start), even while an earlier notice's retries hold the
 * queue; the retries go on in the background until close(). Never throws. Shared by
 * RollbackNotifier and the lean emergency path, so both post exactly the same.
 */
export class NoticeSender {
  private queue: Promise<void> = Promise.resolve();
  private readonly closing = new AbortController();

  constructor(
    private readonly target: WebhookTarget,
    /** Told when a notice is given up: after its last attempt, or at close(). */
    private readonly onGiveUp: (event: NoticeEvent, issue: string) => void = () => undefined,
  ) {}

  /** Resolves to null when the first attempt delivered it (or no webhook is configured), otherwise to the issue a rollback records. */
  send(event: NoticeEvent, notice: object): Promise<string | null> {
    const { url, timeoutMs } = this.target;
    if (!url) return Promise.resolve(null);
    // one body for every attempt: the receiver can tell repeats apart by the notice's id
    const body = JSON.stringify({ event, at: new Date().toISOString(), ...notice });
    const describe = (why: string) => `webhook ${event} notice ${why}`;
    let firstAttempt!: (issue: string | null) => void;
    const first = new Promise<string | null>((resolve) => (firstAttempt = resolve));
    let attempting = false;
    this.queue = this.queue.then(async () => {
      attempting = true;
      for (let attempt = 1; ; attempt++) {
        const why = this.closing.signal.aborted
          ? 'was dropped: the process was shutting down'
          : await this.post(url, body);
        if (attempt === 1)
          firstAttempt(why && describe(`${why}; retried in the background (${RETRY.attempts} attempts in all)`));
        if (!why) return;
        if (attempt === RETRY.attempts || this.closing.signal.aborted) {
          this.onGiveUp(event, describe(`${why} (attempt ${attempt} of ${RETRY.attempts}); given up`));
          return;
        }
        await pause(RETRY.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()), this.closing.signal);
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<string>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            describe(
              attempting
                ? `did not answer within ${timeoutMs} ms; retried in the background`
                : `waited ${timeoutMs} ms behind an earlier notice's retries; it goes out after them`,
            ),
          ),
        timeoutMs + START_GRACE_MS,
      );
    });
    return Promise.race([first, bound]).finally(() => clearTimeout(timer));
  }

  /**
   * Waits up to `withinMs` for every notice sent so far to be delivered or given up, then
   * stops: the attempt in flight is cut off and no retry follows. What a process does before
   * it exits, so retries neither get lost early nor keep it alive for long.
   */
  async close(withinMs: number): Promise<void> {
    await pause(withinMs, this.closing.signal, this.queue);
    this.closing.abort();
    await this.queue;
  }

  /** One attempt: null when delivered, otherwise what went wrong. */
  private async post(url: string, body: string): Promise<string | null> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.target.secret) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      headers[TIMESTAMP_HEADER] = timestamp;
      headers[SIGNATURE_HEADER] = signature(this.target.secret, timestamp, body);
    }
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.target.timeoutMs), this.closing.signal]),
      });
      return res.ok ? null : `answered HTTP ${res.status}`;
    } catch (error) {
      if (this.closing.signal.aborted) return 'was cut off: the process was shutting down';
      const timedOut = (error as Error).name === 'TimeoutError';
      return timedOut ? `did not answer within ${this.target.timeoutMs} ms` : `failed: ${(error as Error).message}`;
    }
  }
}

/** Waits `ms`, or less when `signal` aborts or `done` settles first. */
function pause(ms: number, signal: AbortSignal, done?: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
    void done?.then(finish);
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    }
  });
}
