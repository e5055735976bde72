import { DomainError } from '../../common/errors/domain-error.js';
import { parseDuration } from '../rollout/rollout-stages.js';

/** Path telemetry is kept 35 days by default: a longer window would read a partial past. */
export const MAX_WINDOW_MINUTES = 30 * 24 * 60;

/**
 * A duration as operators write it (`30m`, `24h`, `7d`, read as the rollout stages read theirs)
 * in minutes, from a minute to 30 days; `field` names it in the 400 (`window`, `fix-eta`).
 */
export function parseMinutes(text: string, field: string): number {
  const minutes = parseDuration(text);
  if (minutes === null || minutes < 1 || minutes > MAX_WINDOW_MINUTES)
    throw DomainError.validation([
      { field, messages: [`must be a duration like 30m, 24h or 7d, from 1m to 30d; got "${text}"`] },
    ]);
  return minutes;
}
