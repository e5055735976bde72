import { Injectable } from '@nestjs/common';
import { MigrationService } from '../../database/migration.service.js';
import { FlagsService, FlagView } from '../flags/flags.service.js';
import { JobsService, JobStatus } from '../jobs/jobs.service.js';
import type { DataLossRisk, InFlightWork } from '../phase-definition.js';
import { PhaseRegistry, SchemaState } from '../phase-registry.service.js';
import { RollbackLog, type RollbackSummary } from '../rollback/rollback-log.service.js';
import { RetentionService, type TableState } from '../retention/retention.service.js';
import { PhaseStatusRepository, type ColumnStatus, type TableStatus } from './phase-status.repository.js';

export interface PhaseStatus {
  number: number;
  key: string;
  title: string;
  dataLossRisk: DataLossRisk;
  legacyFallback: string;
  flags: FlagView[];
  jobs: JobStatus[];
  schema: { state: SchemaState; migrations: Array<{ name: string; applied: boolean }> };
  tables: TableStatus[];
  columns: ColumnStatus[];
  /** The phase's growing tables: retention, rows, size, oldest row, next purge. */
  retention: TableState[];
  inFlight: InFlightWork | { count: null; description: string };
  lastRollback: RollbackSummary | null;
}

/** Everything an operator needs about each phase, from the registry and the database. */
@Injectable()
export class PhaseStatusService {
  constructor(
    private readonly registry: PhaseRegistry,
    private readonly flags: FlagsService,
    private readonly jobs: JobsService,
    private readonly migrations: MigrationService,
    private readonly schema: PhaseStatusRepository,
    private readonly rollbacks: RollbackLog,
    private readonly retention: RetentionService,
  ) {}

  async all(): Promise<PhaseStatus[]> {
    return Promise.all(this.registry.all().map((p) => this.of(p.number)));
  }

  async of(phase: number): Promise<PhaseStatus> {
    const def = this.registry.get(phase);
    const applied = new Map((await this.migrations.status()).map((m) => [m.name, m.applied]));
    const { tables, columns } = await this.schema.schemaObjects(def);
    return {
      number: def.number,
      key: def.key,
      title: def.title,
      dataLossRisk: def.dataLossRisk,
      legacyFallback: def.legacyFallback,
      flags: def.flags.map((f) => this.flags.view(f.key)),
      jobs: await Promise.all(def.jobs.map((j) => this.jobs.status(j.name))),
      schema: {
        state: await this.registry.schemaState(phase),
        migrations: this.registry
          .migrationsOf(phase)
          .map((m) => ({ name: m.name, applied: applied.get(m.name) === true })),
      },
      tables,
      columns,
      retention: await this.retention.state(phase),
      // a phase whose schema is down has nothing in flight to ask about
      inFlight: tables.every((t) => t.exists)
        ? await def.inFlight()
        : { count: null, description: 'schema not applied' },
      lastRollback: await this.rollbacks.lastFor(phase),
    };
  }
}
