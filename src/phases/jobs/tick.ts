import { CronTime } from 'cron';

const MAX_TOLERANCE_MS = 5_000;

/**
 * The scheduled time a firing belongs to. Every replica computes the same value for the same
 * tick even when its timer fires late, as long as it is late by less than half a period
 * (at most five seconds): that value is what makes a tick run once across replicas.
 */
export function scheduledTick(cron: string, firedAt: Date = new Date()): Date {
  const time = new CronTime(cron);
  const probe = time.getNextDateFrom(new Date(firedAt.getTime() - MAX_TOLERANCE_MS));
  const after = time.getNextDateFrom(probe.toJSDate());
  const tolerance = Math.min(MAX_TOLERANCE_MS, (after.toMillis() - probe.toMillis()) / 2);
  const tick = time.getNextDateFrom(new Date(firedAt.getTime() - tolerance));
  return tick.toMillis() <= firedAt.getTime() + tolerance
    ? tick.toJSDate()
    : new Date(Math.floor(firedAt.getTime() / 1000) * 1000);
}
