import { GUARDRAIL_THRESHOLDS as T } from './guardrail-thresholds.js';
import { describeStage, parseDuration, parseStages, switchesOf } from './rollout-stages.js';
import { decideStage, type StageEvidence } from './stage-decision.js';

const withShadow = {
  number: 8,
  flags: [
    { key: 'on', description: '' },
    { key: 'sh', description: '', shadow: true },
  ],
};
const defaults = { minDurationMinutes: 60, minSample: 100 };

describe('rollout stages', () => {
  it('reads the compact syntax, with per-stage minimums and the shadow week by default', () => {
    const { stages, errors } = parseStages('shadow,station:ST-WELD+ST-PAINT,10%@48h,50%,100%', defaults, withShadow);
    expect(errors).toEqual([]);
    expect(stages.map(describeStage)).toEqual(['shadow', 'stations ST-WELD+ST-PAINT', '10%', '50%', '100%']);
    expect(stages.map((s) => s.minDurationMinutes)).toEqual([T.shadow.minDurationMinutes, 60, 48 * 60, 60, 60]);
    expect(switchesOf(stages[1]).acting).toEqual({
      enabled: true,
      rules: [{ scope: { stations: ['ST-WELD', 'ST-PAINT'] } }],
    });
    expect(switchesOf(stages[0])).toEqual({ acting: { enabled: false, rules: [] }, shadow: { enabled: true } });
    expect(switchesOf(stages[4]).acting).toEqual({ enabled: true, rules: [] });
    expect(parseDuration('7d')).toBe(7 * 24 * 60);
    expect(parseDuration('7 days')).toBeNull();
  });

  it('names each bad stage by its position', () => {
    const fields = (text: string, phase = withShadow) => parseStages(text, defaults, phase).errors;
    expect(fields('shadow,colour:red,0%,5%@soon').map((e) => e.field)).toEqual(['stages.1', 'stages.2', 'stages.3']);
    expect(fields('10%,shadow')[0].messages[0]).toBe('a shadow stage can only come first');
    expect(fields('100%,10%')[0].messages[0]).toBe('100% can only come last');
    expect(fields('50%,10%')[0].messages[0]).toBe('percentages must grow from stage to stage');
    expect(fields('shadow', { number: 9, flags: [{ key: 'on', description: '' }] })[0].messages[0]).toContain(
      'no shadow flag',
    );
  });
});

const figures = (calls: number, errors = 0, fallbacks = 0) => ({
  calls,
  errors,
  fallbacks,
  latencyMsSum: calls * 40,
  p95Ms: 48,
});
const evidence = (over: Partial<StageEvidence> = {}): StageEvidence => ({
  ranMinutes: 120,
  newPath: figures(1000),
  legacy: figures(9000),
  previous: null,
  fallbacksInWindow: 0,
  shadow: { compared: 0, disagreements: 0 },
  ...over,
});
const stage = { kind: 'percentage' as const, percentage: 10, minDurationMinutes: 60, minSample: 100 };

describe('stage decisions', () => {
  it('advances a healthy stage that met its minimums, or waits for approval, or completes the last', () => {
    expect(decideStage(stage, evidence(), false, false).action).toBe('advance');
    expect(decideStage(stage, evidence(), false, true).action).toBe('await-approval');
    expect(decideStage(stage, evidence(), true, false).action).toBe('complete');
  });

  it('holds until the minimums are met', () => {
    expect(decideStage(stage, evidence({ ranMinutes: 30 }), false, false).reason).toBe('ran 30 of 60 min');
    expect(decideStage(stage, evidence({ newPath: figures(50) }), false, false).action).toBe('hold');
  });

  it('at 100% judges against the stage before, where no legacy traffic is left', () => {
    const full = { ...stage, kind: 'full' as const };
    const previous = { newPath: figures(1000), legacy: figures(9000, 90) };
    const decision = decideStage(
      full,
      evidence({ legacy: figures(0), newPath: figures(5000, 400), previous }),
      true,
      false,
    );
    expect(decision.action).toBe('rollback');
    expect(decision.reason).toContain('vs legacy of the stage before 1.00% (90/9000)');
  });

  it('rolls back on the absolute fallback rule before any minimum is met', () => {
    const decision = decideStage(stage, evidence({ ranMinutes: 1, fallbacksInWindow: 6 }), false, false);
    expect(decision.action).toBe('rollback');
    expect(decision.reason).toBe('guardrail: fallback count: 6 fallbacks in 24 h (limit 5): more than the limit');
  });
});
