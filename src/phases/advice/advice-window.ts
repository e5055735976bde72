import { DomainError } from '../../common/errors/domain-error.js';

/** Path telemetry is kept 35 days by default: a longer window would read a partial past. */
export const MAX_WINDOW_MINUTES = 30 * 24 * 60;
const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 24 * 60 };

/**
 * A duration as operators write it (`30m`, `24h`, `7d`) in whole minutes; `field` names it in
 * the 400 (`window`, `fix-eta`). At least a minute, at most `max` minutes.
 */
export function parseMinutes(text: string, field: string, max = MAX_WINDOW_MINUTES): number {
  const match = /^(\d{1,6})([mhd])$/.exec(text.trim());
  const minutes = match ? Number(match[1]) * UNIT_MINUTES[match[2]] : NaN;
  if (!(minutes >= 1 && minutes <= max))
    throw DomainError.validation([
      { field, messages: [`must be a duration like 30m, 24h or 7d, from 1m to ${max / (24 * 60)}d; got "${text}"`] },
    ]);
  return minutes;
}
