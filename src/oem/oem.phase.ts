import { Phase, type InFlightWork, type LegacyCheck, type PhaseDefinition } from '../phases/phase-definition.js';
import { Phase8Oem1764000800000 } from '../../migrations/1764000800000-Phase8-Oem.js';
import { OEM_MODE, OEM_PHASE, OEM_SHADOW_RUN } from './oem-flags.js';
import { OemPhaseRepository } from './oem-phase.repository.js';
import { PHASE_8_SCHEMA } from './oem.schema.js';
import { OEM_RETENTION } from './oem.retention.js';

/** Phase 8 in the registry: what rollback, the status API, the CLI and the runbook know of it. */
@Phase({ migrations: [Phase8Oem1764000800000] })
export class OemPhase implements PhaseDefinition {
  readonly number = OEM_PHASE;
  readonly key = 'oem';
  readonly title = 'OEM job tickets and scan rules';
  readonly flags = [
    {
      key: OEM_MODE,
      description:
        "Scan stations try their OEM rules first: a match advances the OEM ticket's step and moves its job's token",
    },
    {
      key: OEM_SHADOW_RUN,
      description:
        'With OEM mode off: scans run in manual mode while what OEM mode would have done is recorded for the shadow report',
      shadow: true,
    },
  ];
  readonly jobs = [];
  readonly tables = PHASE_8_SCHEMA.tables;
  readonly retention = OEM_RETENTION;
  readonly columns = PHASE_8_SCHEMA.columns;
  readonly dataLossRisk = 'medium' as const;
  readonly legacyFallback = 'standard DAG routing; scan stations in manual mode (barcodes read as token serials)';

  constructor(private readonly repository: OemPhaseRepository) {}

  /** Tickets part-way through their steps: their stations fall back to manual scans. */
  async inFlight(): Promise<InFlightWork> {
    if (!(await this.repository.schemaPresent())) return { count: 0, description: 'Phase 8 schema not applied' };
    const count = await this.repository.ticketsInProgress();
    return {
      count,
      description: `${count} OEM ticket(s) in progress; their stations go back to manual scans of token serials`,
    };
  }

  /** The manual scan path needs the core's scan record and a token to read by serial: both must answer. */
  async verifyLegacy(): Promise<LegacyCheck> {
    const { firstSerial } = await this.repository.manualScanProbe();
    return {
      ok: true,
      detail:
        firstSerial !== null
          ? `manual scan path readable (token ${firstSerial} resolvable by serial)`
          : 'manual scan path readable (no tokens yet)',
    };
  }
}
