import { scheduledTick } from './tick.js';

describe('scheduledTick', () => {
  const at = (iso: string) => new Date(iso);

  it('maps a timer that fires on time or a little late to the scheduled minute', () => {
    expect(scheduledTick('0 * * * * *', at('2026-01-01T10:00:00.000Z'))).toEqual(at('2026-01-01T10:00:00.000Z'));
    expect(scheduledTick('0 * * * * *', at('2026-01-01T10:00:01.900Z'))).toEqual(at('2026-01-01T10:00:00.000Z'));
  });

  it('maps a timer that fires a little early to the same tick', () => {
    expect(scheduledTick('0 * * * * *', at('2026-01-01T09:59:59.950Z'))).toEqual(at('2026-01-01T10:00:00.000Z'));
  });

  it('keeps per-second ticks apart', () => {
    const a = scheduledTick('* * * * * *', at('2026-01-01T10:00:00.100Z'));
    const b = scheduledTick('* * * * * *', at('2026-01-01T10:00:01.100Z'));
    expect(b.getTime() - a.getTime()).toBe(1000);
  });
});
