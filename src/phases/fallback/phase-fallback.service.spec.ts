import type { MetricsService } from '../../common/metrics/metrics.service.js';
import { EVALUATIONS, type FlagContext } from '../flags/flag-rules.js';
import type { FlagsService } from '../flags/flags.service.js';
import type { PhaseRegistry } from '../phase-registry.service.js';
import type { PhaseTelemetry } from '../telemetry/phase-telemetry.service.js';
import { PhaseFallback } from './phase-fallback.service.js';

type Recorded = Parameters<PhaseTelemetry['call']>;

function gate(switchOn: boolean, inScope: (context: FlagContext) => boolean, recorded: Recorded[] = []) {
  const flags = {
    isEnabled: () => switchOn,
    evaluate: (_: string, context: FlagContext) =>
      switchOn && inScope(context) ? EVALUATIONS.matched : EVALUATIONS.noRuleMatched,
  } as unknown as FlagsService;
  const registry = { phaseOfFlag: () => ({ number: 8 }) } as unknown as PhaseRegistry;
  const metrics = { counter: () => ({ inc: () => undefined }) } as unknown as MetricsService;
  const telemetry = { call: (...args: Recorded) => void recorded.push(args) } as unknown as PhaseTelemetry;
  return new PhaseFallback(flags, registry, telemetry, metrics);
}

const call = (context: FlagContext | (() => Promise<FlagContext>)) => ({
  flag: 'f',
  operation: 'op',
  context,
  newPath: async () => 'new',
  legacy: async () => 'legacy',
});

describe('PhaseFallback with a context', () => {
  it("runs the new path only for work the flag's rules take", async () => {
    const fallback = gate(true, (c) => c.station === 'ST-WELD');
    expect(await fallback.run(call({ station: 'ST-WELD' }))).toEqual({ value: 'new', path: 'new' });
    expect(await fallback.run(call({ station: 'ST-CUT' }))).toEqual({ value: 'legacy', path: 'legacy' });
  });

  it('builds a costly context only when the switch is on, and falls back when building it fails', async () => {
    let built = 0;
    const context = async () => {
      built++;
      return { station: 'ST-WELD' };
    };
    expect(await gate(false, () => true).run(call(context))).toEqual({ value: 'legacy', path: 'legacy' });
    expect(built).toBe(0);
    expect(await gate(true, () => true).run(call(context))).toEqual({ value: 'new', path: 'new' });
    expect(built).toBe(1);
    const broken = async (): Promise<FlagContext> => {
      throw new Error('rules table gone');
    };
    expect(await gate(true, () => true).run(call(broken))).toEqual({
      value: 'legacy',
      path: 'fallback',
      fallbackReason: 'rules table gone',
    });
  });
});

describe('PhaseFallback telemetry', () => {
  it("records each call's phase, path, fallback reason, latency and whether it threw to its caller", async () => {
    const recorded: Recorded[] = [];
    const on = gate(true, () => true, recorded);
    await on.run(call({}));
    await gate(false, () => true, recorded).run(call({}));
    await on.run({ ...call({}), newPath: async () => PhaseFallback.decline('no_candidate') });
    await on.run({
      ...call({}),
      newPath: async () => {
        throw new Error('boom');
      },
    });
    const broken = {
      ...call({}),
      newPath: async () => PhaseFallback.decline('stale'),
      legacy: async () => {
        throw new Error('legacy down');
      },
    };
    await expect(on.run(broken)).rejects.toThrow('legacy down');
    expect(recorded.map(([phase, op, path, reason, , failed]) => [phase, op, path, reason, failed])).toEqual([
      [8, 'op', 'new', '', false],
      [8, 'op', 'legacy', '', false],
      [8, 'op', 'fallback', 'no_candidate', false],
      [8, 'op', 'fallback', 'error', false],
      [8, 'op', 'fallback', 'stale', true],
    ]);
    for (const [, , , , latencyMs] of recorded) expect(latencyMs).toBeGreaterThanOrEqual(0);
  });
});
