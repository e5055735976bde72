import { yieldToEventLoop } from '../../common/yield-to-event-loop.js';
import type { EpochMinute } from '../telemetry/path-telemetry.types.js';

/**
 * Minutes after which a bucket is taken as final: every replica flushes within seconds, and a
 * failed flush retries long before this. A flush later still is missed until the cache entry
 * is dropped (unused for an hour) and read again.
 */
export const SETTLE_MINUTES = 10;
const IDLE_MS = 3_600_000;
const READ_STEP_MINUTES = 1_440;

interface Entry<T> {
  settledTo: EpochMinute;
  sums: T[];
  usedAt: number;
}

/**
 * Sums over windows that start at a fixed minute and end at one that only moves forward (a
 * stage's window, the start of a sliding 24 hours). The settled part is summed once and kept;
 * each call reads only the minutes since, so the guard's minute-by-minute passes cost a few
 * rows each, not a month of buckets. Per replica, in memory: a replica taking over the guard
 * reads the whole window once.
 */
export class SettledSums<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly read: (from: EpochMinute, toExclusive: EpochMinute) => Promise<T[]>,
    /** A new list: never changes `into` (a kept sum). */
    private readonly add: (into: readonly T[], more: readonly T[]) => T[],
  ) {}

  /** The sums of [from, toExclusive); `name` tells apart windows that share their start. */
  async sum(name: string, from: EpochMinute, toExclusive: EpochMinute, now = Date.now()): Promise<T[]> {
    this.forgetIdle(now);
    const settled = Math.max(from, toExclusive - SETTLE_MINUTES);
    const key = `${name}:${String(from)}`;
    let entry = this.entries.get(key);
    // a window that moved back (a resumed stage re-reading) starts over
    if (!entry || entry.settledTo > settled) entry = { settledTo: from, sums: [], usedAt: now };
    // a replica's first pass reads up to a month: a day per statement, yielding between them
    for (let step = 0; settled > entry.settledTo; step++) {
      if (step > 0) await yieldToEventLoop();
      const until = Math.min(settled, entry.settledTo + READ_STEP_MINUTES);
      entry.sums = this.add(entry.sums, await this.read(entry.settledTo, until));
      entry.settledTo = until;
    }
    entry.usedAt = now;
    this.entries.set(key, entry);
    const recent = toExclusive > settled ? await this.read(settled, toExclusive) : [];
    return this.add(entry.sums, recent);
  }

  private forgetIdle(now: number): void {
    for (const [key, entry] of this.entries) if (now - entry.usedAt > IDLE_MS) this.entries.delete(key);
  }
}
