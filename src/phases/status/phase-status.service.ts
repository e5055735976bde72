import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MigrationService } from '../../database/migration.service.js';
import { FlagsService, FlagView } from '../flags/flags.service.js';
import { JobsService, JobStatus } from '../jobs/jobs.service.js';
import type { DataLossRisk, InFlightWork, PhaseDefinition } from '../phase-definition.js';
import { PhaseRegistry, SchemaState } from '../phase-registry.service.js';
import { RollbackLog, type RollbackSummary } from '../rollback/rollback-log.service.js';

export interface TableStatus {
  name: string;
  rebuildable: boolean;
  exists: boolean;
  rows: number | null;
}

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
  columns: Array<{ table: string; column: string; rebuildable: boolean; exists: boolean }>;
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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rollbacks: RollbackLog,
  ) {}

  async all(): Promise<PhaseStatus[]> {
    return Promise.all(this.registry.all().map((p) => this.of(p.number)));
  }

  async of(phase: number): Promise<PhaseStatus> {
    const def = this.registry.get(phase);
    const applied = new Map((await this.migrations.status()).map((m) => [m.name, m.applied]));
    const { tables, columns } = await this.schemaObjects(def);
    return {
      number: def.number,
      key: def.key,
      title: def.title,
      dataLossRisk: def.dataLossRisk,
      legacyFallback: def.legacyFallback,
      flags: def.flags.map((f) => this.flags.view(f.key)),
      jobs: await Promise.all(def.jobs.map((j) => this.jobs.status(j.name))),
      schema: { state: await this.registry.schemaState(phase), migrations: this.registry.migrationsOf(phase).map((m) => ({ name: m.name, applied: applied.get(m.name) === true })) },
      tables,
      columns,
      // a phase whose schema is down has nothing in flight to ask about
      inFlight: tables.every((t) => t.exists) ? await def.inFlight() : { count: null, description: 'schema not applied' },
      lastRollback: await this.rollbacks.lastFor(phase),
    };
  }

  /**
   * The phase's tables and columns, read on one connection that is released before anything
   * else asks the pool: statuses of all phases run side by side, and each holding a connection
   * while waiting for another would hang a pool no larger than their number.
   */
  private async schemaObjects(def: PhaseDefinition): Promise<Pick<PhaseStatus, 'tables' | 'columns'>> {
    const qr = this.dataSource.createQueryRunner();
    try {
      const tables: TableStatus[] = [];
      for (const t of def.tables) {
        const exists = await qr.hasTable(t.name);
        const rows = exists ? Number((await qr.query(`SELECT COUNT(*) AS n FROM ${t.name}`))[0].n) : null;
        tables.push({ name: t.name, rebuildable: t.rebuildable, exists, rows });
      }
      const columns = [];
      for (const c of def.columns) columns.push({ table: c.table, column: c.column, rebuildable: c.rebuildable, exists: await qr.hasColumn(c.table, c.column) });
      return { tables, columns };
    } finally {
      await qr.release();
    }
  }
}
