import type { ProportionSample } from './confidence-sequence.js';
import { GUARDRAIL_THRESHOLDS as T, deviationClass } from './guardrail-thresholds.js';
import { fallbackCountGuardrail, latencyGuardrail, rateGuardrail, shadowGate, worst } from './guardrails.js';

// a small seeded generator (mulberry32): the simulations are the same on every run
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MINUTES = 1440;
const CALLS_PER_MINUTE = 20;

type Judge = (candidate: ProportionSample, baseline: ProportionSample) => boolean;

/**
 * One day of minute checks of one stream; each judge sees the cumulative samples every minute.
 * Answers, per judge, the first minute at which it breached, or null.
 */
function firstBreaches(seed: number, newRate: number, baseRate: number, judges: readonly Judge[]): (number | null)[] {
  const next = random(seed);
  const candidate = { events: 0, trials: 0 };
  const baseline = { events: 0, trials: 0 };
  const breached: (number | null)[] = judges.map(() => null);
  for (let minute = 0; minute < MINUTES; minute++) {
    for (let i = 0; i < CALLS_PER_MINUTE; i++) {
      if (next() < newRate) candidate.events++;
      if (next() < baseRate) baseline.events++;
    }
    candidate.trials += CALLS_PER_MINUTE;
    baseline.trials += CALLS_PER_MINUTE;
    judges.forEach((judge, j) => {
      if (breached[j] === null && judge(candidate, baseline)) breached[j] = minute;
    });
    if (breached.every((m) => m !== null)) break;
  }
  return breached;
}

const guardBreaches: Judge = (c, b) => {
  const verdict = rateGuardrail('error rate', c, b, 'increase').verdict;
  return verdict === 'pause' || verdict === 'rollback';
};
// what the issue warns against: a fixed-sample one-sided z-test at 95%, repeated every minute
const naiveZTest: Judge = (c, b) => {
  if (c.trials < T.minSample) return false;
  const pooled = (c.events + b.events) / (c.trials + b.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / c.trials + 1 / b.trials));
  return se > 0 && (c.events / c.trials - b.events / b.trials) / se > 1.645;
};

const SIMULATIONS = 200;
/** How many of the A/A simulations each judge breached. */
function aaBreaches(rate: number, judges: readonly Judge[]): number[] {
  const totals = judges.map(() => 0);
  for (let s = 0; s < SIMULATIONS; s++) {
    firstBreaches(1000 + s, rate, rate, judges).forEach((m, j) => {
      if (m !== null) totals[j]++;
    });
  }
  return totals;
}

describe('guardrail statistics', () => {
  it('an A/A stream checked every minute for a day breaches no more often than alpha', () => {
    const allowed = SIMULATIONS * T.alpha;
    const [guard, naive] = aaBreaches(0.02, [guardBreaches, naiveZTest]);
    expect(guard).toBeLessThanOrEqual(allowed);
    // the naive repeated test on the same streams fires far more often: the reason for the method
    expect(naive).toBeGreaterThan(3 * allowed);
    const [busier] = aaBreaches(0.2, [guardBreaches]);
    expect(busier).toBeLessThanOrEqual(allowed);
  });

  it('detects a real regression within the day, and classes it by the harm the sequence still allows', () => {
    const minutes = Array.from({ length: 50 }, (_, s) => firstBreaches(5000 + s, 0.04, 0.02, [guardBreaches])[0]);
    expect(minutes.every((m) => m !== null)).toBe(true);
    const severe = rateGuardrail(
      'error rate',
      { events: 400, trials: 10_000 },
      { events: 200, trials: 10_000 },
      'increase',
    );
    expect(severe.verdict).toBe('rollback');
    expect(severe.detail).toContain('new 4.00% (400/10000) vs legacy 2.00% (200/10000)');
    expect(severe.detail).toContain('> 10.00%');
  });

  it('judges nothing before the minimum sample, and a harm in the good direction is no harm', () => {
    expect(
      rateGuardrail('error rate', { events: 50, trials: 100 }, { events: 0, trials: 100 }, 'increase').verdict,
    ).toBe('insufficient');
    const better = rateGuardrail(
      'error rate',
      { events: 10, trials: 10_000 },
      { events: 200, trials: 10_000 },
      'increase',
    );
    expect(better.verdict).toBe('healthy');
    // a fill rate is harmed by a drop
    const drop = rateGuardrail(
      'fill rate',
      { events: 7000, trials: 10_000 },
      { events: 9000, trials: 10_000 },
      'decrease',
    );
    expect(drop.verdict).toBe('rollback');
  });

  it('classes deviations as the factory does: over 10% rolls back, 2-10% pauses', () => {
    expect(deviationClass(0.11)).toBe('rollback');
    expect(deviationClass(0.1)).toBe('pause');
    expect(deviationClass(0.05)).toBe('pause');
    expect(deviationClass(0.02)).toBe('tolerable');
    // a deviation the sequence proves to be between 2% and 10% of a 50% baseline pauses
    const moderate = rateGuardrail(
      'fill rate',
      { events: 470_000, trials: 1e6 },
      { events: 500_000, trials: 1e6 },
      'decrease',
    );
    expect(moderate.verdict).toBe('pause');
  });

  it('rolls back on more than 5 fallbacks in 24 hours, whatever the sample', () => {
    expect(fallbackCountGuardrail(5).verdict).toBe('healthy');
    const six = fallbackCountGuardrail(6);
    expect(six.verdict).toBe('rollback');
    expect(six.detail).toBe('6 fallbacks in 24 h (limit 5): more than the limit');
  });

  it('compares p95 latency as a ratio, after its own minimum sample', () => {
    const calls = T.latency.minSample;
    expect(latencyGuardrail({ p95: 100, meanMs: 40, calls }, { p95: 100, calls }).verdict).toBe('healthy');
    expect(latencyGuardrail({ p95: 130, meanMs: 40, calls }, { p95: 100, calls }).verdict).toBe('pause');
    expect(latencyGuardrail({ p95: 250, meanMs: 40, calls }, { p95: 100, calls }).verdict).toBe('rollback');
    expect(latencyGuardrail({ p95: 250, meanMs: 40, calls: 10 }, { p95: 100, calls }).verdict).toBe('insufficient');
    // the factory's absolute mean: from 20 calls, never on the one call that waited out a lock
    expect(latencyGuardrail({ p95: 60_000, meanMs: 31_000, calls: 20 }, { p95: 100, calls }).verdict).toBe('rollback');
    expect(latencyGuardrail({ p95: 60_000, meanMs: 50_000, calls: 1 }, { p95: 100, calls }).verdict).toBe(
      'insufficient',
    );
  });

  it('holds the shadow stage until it ran its week with no disagreement', () => {
    const week = T.shadow.minDurationMinutes;
    expect(shadowGate(week, week, 0, 5000).verdict).toBe('healthy');
    expect(shadowGate(week - 1, week, 0, 5000).verdict).toBe('insufficient');
    expect(shadowGate(week, week, 1, 5000).verdict).toBe('pause');
  });

  it('a stage is as healthy as its worst guardrail', () => {
    expect(worst([fallbackCountGuardrail(0), fallbackCountGuardrail(6)])).toBe('rollback');
    expect(worst([fallbackCountGuardrail(0)])).toBe('healthy');
  });
});
