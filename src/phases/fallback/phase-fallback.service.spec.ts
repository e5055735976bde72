import type { MetricsService } from '../../common/metrics/metrics.service.js';
import { EVALUATIONS, type FlagContext } from '../flags/flag-rules.js';
import type { FlagsService } from '../flags/flags.service.js';
import type { PhaseRegistry } from '../phase-registry.service.js';
import { PhaseFallback } from './phase-fallback.service.js';

function gate(switchOn: boolean, inScope: (context: FlagContext) => boolean) {
  const flags = {
    isEnabled: () => switchOn,
    evaluate: (_: string, context: FlagContext) =>
      switchOn && inScope(context) ? EVALUATIONS.matched : EVALUATIONS.noRuleMatched,
  } as unknown as FlagsService;
  const registry = { phaseOfFlag: () => ({ number: 8 }) } as unknown as PhaseRegistry;
  const metrics = { counter: () => ({ inc: () => undefined }) } as unknown as MetricsService;
  return new PhaseFallback(flags, registry, metrics);
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
