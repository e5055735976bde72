import { join, resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RetentionPolicy } from '../../common/retention/retention-policy.js';
import { Environment } from '../../config/environment.js';
import { dialectOf } from '../../database/dialect.js';
import { inTransaction } from '../../database/transaction.js';
import { PRODUCTION_RETENTION } from '../../production/production.retention.js';
import { JOB_RUN_RETENTION } from '../jobs/job-run.retention.js';
import { JobsService } from '../jobs/jobs.service.js';
import type { JobCounts, JobRunContext } from '../phase-definition.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import { TELEMETRY_RETENTION } from '../telemetry/telemetry.retention.js';
import { archivedKeys, writeArchive } from './retention-archive.js';
import { parseRetentionDays, refuseUnknownTables } from './retention-days.js';
import { RetentionHorizonRepository } from './retention-horizon.repository.js';
import { RetentionRepository, type TableFigures } from './retention.repository.js';

export const RETENTION_JOB = 'retention';

/** Rows read, archived and verified at a time before their deletion starts: bounds memory and each archive part. */
const PART_ROWS = 20_000;
const READ_ROWS = 2_000;
const DAY_MS = 86_400_000;

export interface TableRetention {
  table: string;
  /** The owning phase, or null for the core. */
  phase: number | null;
  /** Days kept; null when retention is off for the table. */
  days: number | null;
  configured: boolean;
  archive: boolean;
  eligible: string;
  offBecause: string | null;
}

export interface TablePlan extends TableRetention {
  cutoff: Date | null;
  /** Rows the next run would archive and delete now. */
  eligibleRows: number;
}

export interface TableState extends TableRetention, TableFigures {
  /** When the retention job next purges this table: null when off or when no replica schedules jobs. */
  nextPurge: Date | null;
}

interface Resolved extends TableRetention {
  policy: RetentionPolicy;
}

export type Progress = (line: string) => void;

/**
 * The retention of every growing table, as its owner declares it and RETENTION_DAYS adjusts
 * it, and the job that applies it: eligible rows are archived (the backup machinery: JSON
 * lines, manifest, sha256, read back and verified), then deleted in short transactions that
 * yield to the event loop between batches, so no lock or SQLite gate is held for long.
 */
@Injectable()
export class RetentionService implements OnModuleInit {
  private readonly logger = new Logger(RetentionService.name);
  private readonly configured: Map<string, number | null>;
  private readonly archiveDir: string;
  private readonly batchRows: number;
  private readonly cron: string;

  /** Test seam: awaited between writing an archive and reading it back, so a test can damage it. */
  afterArchiveWritten: (location: string) => Promise<void> = async () => undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: PhaseRegistry,
    private readonly jobs: JobsService,
    private readonly store: RetentionRepository,
    private readonly horizons: RetentionHorizonRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.configured = parseRetentionDays(config.get('RETENTION_DAYS', { infer: true }));
    this.archiveDir = join(resolve(config.get('BACKUP_DIR', { infer: true })), 'retention');
    this.batchRows = config.get('RETENTION_BATCH_ROWS', { infer: true });
    this.cron = config.get('RETENTION_CRON', { infer: true });
  }

  onModuleInit(): void {
    refuseUnknownTables(
      this.configured,
      this.tables().map((t) => t.table),
    );
    this.jobs.addCoreJob({
      name: RETENTION_JOB,
      description: 'Archives and purges the history the retention policies let go',
      cron: this.cron,
      run: (context) => this.run(context),
    });
  }

  tables(): TableRetention[] {
    return this.resolved().map(({ policy: _policy, ...rest }) => rest);
  }

  /** What a run would do now: each table's cutoff and eligible rows. Changes nothing. */
  async plan(): Promise<TablePlan[]> {
    const now = Date.now();
    const plans: TablePlan[] = [];
    for (const { policy, ...table } of this.resolved()) {
      const cutoff = this.cutoff(table.days, now);
      const counted = cutoff !== null && (await this.store.exists(policy));
      plans.push({ ...table, cutoff, eligibleRows: counted ? await this.store.countEligible(policy, cutoff) : 0 });
    }
    return plans;
  }

  /** Every table's figures, or only those of `phase` (null: the core's). */
  async state(phase?: number | null): Promise<TableState[]> {
    const next = (await this.jobs.status(RETENTION_JOB)).nextRun;
    const states: TableState[] = [];
    for (const { policy, ...table } of this.resolved().filter((r) => phase === undefined || r.phase === phase))
      states.push({ ...table, ...(await this.store.figures(policy)), nextPurge: table.days === null ? null : next });
    return states;
  }

  /** The job's work: every table with retention on, in declaration order (a log before the sets it references). */
  async run({ signal, progress = () => undefined }: Pick<JobRunContext, 'signal' | 'progress'>): Promise<JobCounts> {
    const counts: JobCounts = {};
    const now = Date.now();
    for (const { policy, days } of this.resolved()) {
      const cutoff = this.cutoff(days, now);
      if (!cutoff || signal.aborted || !(await this.store.exists(policy))) continue;
      const done = await this.purge(policy, cutoff, signal, progress);
      counts[`${policy.table}.archived`] = done.archived;
      counts[`${policy.table}.deleted`] = done.deleted;
    }
    return counts;
  }

  private async purge(policy: RetentionPolicy, cutoff: Date, signal: AbortSignal, progress: Progress) {
    let archived = 0;
    let deleted = 0;
    let after: unknown = undefined;
    for (let part = 1; !signal.aborted; part++) {
      const rows = await this.readPart(policy, cutoff, after);
      if (rows.length === 0) break;
      after = rows[rows.length - 1][policy.key];
      const keys = policy.archive ? await this.archive(policy, cutoff, part, rows) : rows.map((r) => r[policy.key]);
      // recorded before the first delete, so no row can be gone below a horizon not yet recorded
      if (part === 1) await this.horizons.advance(policy.table, cutoff);
      if (policy.archive) archived += keys.length;
      deleted += await this.deleteInBatches(policy, cutoff, keys, signal);
      progress(`${policy.table}: ${policy.archive ? `${archived} archived, ` : ''}${deleted} deleted`);
    }
    if (archived || deleted)
      this.logger.log({
        msg: 'retention purged',
        table: policy.table,
        cutoff: cutoff.toISOString(),
        archived,
        deleted,
      });
    return { archived, deleted };
  }

  private async archive(policy: RetentionPolicy, cutoff: Date, part: number, rows: Array<Record<string, unknown>>) {
    const location = await writeArchive(this.archiveDir, part, policy, cutoff, dialectOf(this.dataSource), rows);
    await this.afterArchiveWritten(location);
    return archivedKeys(location, policy.key);
  }

  private async readPart(policy: RetentionPolicy, cutoff: Date, after: unknown) {
    const rows: Array<Record<string, unknown>> = [];
    while (rows.length < PART_ROWS) {
      const batch = await this.store.eligible(policy, cutoff, after, Math.min(READ_ROWS, PART_ROWS - rows.length));
      rows.push(...batch);
      if (batch.length === 0) break;
      after = batch[batch.length - 1][policy.key];
    }
    return rows;
  }

  private async deleteInBatches(policy: RetentionPolicy, cutoff: Date, keys: unknown[], signal: AbortSignal) {
    let deleted = 0;
    for (let at = 0; at < keys.length && !signal.aborted; at += this.batchRows) {
      const batch = keys.slice(at, at + this.batchRows);
      deleted += await inTransaction(this.dataSource, (em) => this.store.deleteEligible(em, policy, cutoff, batch));
      // the SQLite gate and the event loop go to others between batches
      await yieldToEventLoop();
    }
    return deleted;
  }

  private cutoff(days: number | null, now: number): Date | null {
    return days === null ? null : new Date(now - days * DAY_MS);
  }

  private resolved(): Resolved[] {
    const owned: Array<{ phase: number | null; policy: RetentionPolicy }> = [
      ...PRODUCTION_RETENTION.map((policy) => ({ phase: null, policy })),
      { phase: null, policy: JOB_RUN_RETENTION },
      ...TELEMETRY_RETENTION.map((policy) => ({ phase: null, policy })),
      ...this.registry.all().flatMap((p) => (p.retention ?? []).map((policy) => ({ phase: p.number, policy }))),
    ];
    return owned.map(({ phase, policy }) => {
      const configured = this.configured.has(policy.table);
      return {
        policy,
        table: policy.table,
        phase,
        days: configured ? (this.configured.get(policy.table) ?? null) : policy.defaultDays,
        configured,
        archive: policy.archive,
        eligible: policy.eligible,
        offBecause: policy.offBecause ?? null,
      };
    });
  }
}
