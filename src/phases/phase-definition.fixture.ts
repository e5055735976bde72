import type { PhaseDefinition } from './phase-definition.js';

/** A phase definition for unit specs: flag `p<n>_on`, one log table `p<n>_log`, idle, legacy path fine. */
export function fakePhase(number: number, extra: Partial<PhaseDefinition> = {}): PhaseDefinition {
  return {
    number,
    key: `p${number}`,
    title: `Phase ${number}`,
    flags: [{ key: `p${number}_on`, description: 'on' }],
    jobs: [],
    tables: [{ name: `p${number}_log`, rebuildable: false }],
    columns: [],
    dataLossRisk: 'low',
    legacyFallback: 'manual',
    inFlight: async () => ({ count: 0, description: 'idle' }),
    verifyLegacy: async () => ({ ok: true, detail: 'ok' }),
    ...extra,
  };
}
