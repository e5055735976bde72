import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { Environment } from '../../config/environment.js';
import { MigrationService } from '../../database/migration.service.js';
import { BackupService } from '../backup/backup.service.js';
import { FlagChange, FlagsService } from '../flags/flags.service.js';
import { schemaOf } from '../guard/migration-guard.js';
import { JobsService } from '../jobs/jobs.service.js';
import type { PhaseDefinition } from '../phase-definition.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import type { RollbackLogEntry, RollForwardStepName, StepName } from './rollback-log.entity.js';
import { RollbackPlanRepository } from './rollback-plan.repository.js';
import { inTransaction } from '../../database/transaction.js';

/** The steps done per phase; the closing `log` step belongs to the rollback itself. */
export type PhaseStepName = Exclude<StepName, 'log' | RollForwardStepName>;

export interface StepOutcome {
  status: 'done' | 'skipped' | 'failed';
  detail: string;
  /** Recorded under the rollback's issues. */
  issue?: string;
}

/**
 * The runbook's steps for one phase. Each is idempotent (flags already off stay off, a
 * stopped job stays stopped, an already reverted schema is skipped), which is what makes
 * `rollback --resume` safe after a crash at any point. A thrown error stops the rollback;
 * a "failed" outcome is recorded and the rollback goes on.
 */
@Injectable()
export class RollbackSteps {
  private readonly stopWaitMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: PhaseRegistry,
    private readonly flags: FlagsService,
    private readonly jobs: JobsService,
    private readonly backups: BackupService,
    private readonly migrations: MigrationService,
    private readonly tables: RollbackPlanRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.stopWaitMs = config.get('JOB_STOP_WAIT_MS', { infer: true });
  }

  run(name: PhaseStepName, phase: number, entry: RollbackLogEntry, change: FlagChange): Promise<StepOutcome> {
    const def = this.registry.get(phase);
    switch (name) {
      case 'disable-flags':
        return this.disableFlags(def, change);
      case 'stop-jobs':
        return this.stopJobs(def, entry, change);
      case 'backup':
        return this.backup(def, entry, change);
      case 'revert-schema':
        return this.revertSchema(def, entry);
      case 'verify-legacy':
        return verifyLegacy(def);
    }
  }

  private async disableFlags(def: PhaseDefinition, change: FlagChange): Promise<StepOutcome> {
    const keys = def.flags.map((f) => f.key);
    const wasOn = keys.filter((k) => this.flags.view(k).enabled);
    await this.flags.setMany(keys, false, change);
    return {
      status: 'done',
      detail: `off: ${keys.join(', ') || '(no flags)'}${wasOn.length ? ` (were on: ${wasOn.join(', ')})` : ' (all were off)'}`,
    };
  }

  private async stopJobs(def: PhaseDefinition, entry: RollbackLogEntry, change: FlagChange): Promise<StepOutcome> {
    if (def.jobs.length === 0) return { status: 'skipped', detail: 'the phase has no jobs' };
    const names = def.jobs.map((j) => j.name);
    // one transaction for the stops (SQLite has one connection: no concurrent transactions), then the waits side by side
    await inTransaction(this.dataSource, (em) => this.jobs.stopMany(names, change, em));
    const results = await Promise.all(
      names.map(async (name) => ({ name, ...(await this.jobs.waitUntilIdle(name, this.stopWaitMs)) })),
    );
    const detail = results
      .map(
        (r) =>
          `${r.name} stopped${r.waitedMs > 0 ? ` after waiting ${r.waitedMs} ms` : ''}${r.stillRunning ? ' (still running)' : ''}`,
      )
      .join('; ');
    const busy = results.filter((r) => r.stillRunning).map((r) => r.name);
    if (busy.length === 0) return { status: 'done', detail };
    const issue = `phase ${def.number}: ${busy.join(', ')} still running after the stop wait`;
    // a schema must never be dropped under a running job; without a revert the job just finishes its batch
    if (entry.revertSchema)
      throw new DomainError(
        ErrorCode.Conflict,
        `${issue}; not reverting the schema under it. Run "rollback --resume" once it has finished`,
      );
    return { status: 'done', detail, issue };
  }

  private async backup(def: PhaseDefinition, entry: RollbackLogEntry, change: FlagChange): Promise<StepOutcome> {
    if ((await this.registry.schemaState(def.number)) === 'reverted')
      return { status: 'skipped', detail: 'schema already reverted' };
    const result = await this.backups.backup(schemaOf(def), change.actor);
    entry.backupLocation = [entry.backupLocation, result.location].filter(Boolean).join('; ');
    const mb = (result.bytes / 1024 / 1024).toFixed(1);
    return {
      status: 'done',
      detail: `backup #${result.id}: ${result.rows} rows in ${result.items.length} files (${mb} MB) at ${result.location}, read back and verified`,
    };
  }

  private async revertSchema(def: PhaseDefinition, entry: RollbackLogEntry): Promise<StepOutcome> {
    const names = new Set(this.registry.migrationsOf(def.number).map((m) => m.name));
    const applied = (await this.migrations.status()).filter((m) => names.has(m.name) && m.applied).map((m) => m.name);
    if (applied.length === 0) return { status: 'skipped', detail: 'schema already reverted' };
    const report = await this.tables.guardReport(schemaOf(def), { checkBackups: false });
    const backedUp = entry.steps.some((s) => s.phase === def.number && s.name === 'backup' && s.status === 'done');
    const lost = backedUp ? [] : report.items.filter((i) => i.holdsData && i.rebuildable);
    if (lost.length) entry.dataLoss = true;
    for (const name of applied.reverse()) {
      try {
        await this.migrations.revertMigration(name);
      } catch (error) {
        if (error instanceof DomainError) throw error;
        throw new DomainError(ErrorCode.UnsafeRequest, `Cannot revert ${name}: ${(error as Error).message}`);
      }
    }
    const dropped = lost.map((i) => (i.column ? `${i.table}.${i.column}` : i.table));
    return {
      status: 'done',
      detail: `reverted ${applied.join(', ')}${dropped.length ? `; rebuildable data dropped without backup: ${dropped.join(', ')}` : ''}`,
    };
  }
}

async function verifyLegacy(def: PhaseDefinition): Promise<StepOutcome> {
  try {
    const check = await def.verifyLegacy();
    if (check.ok) return { status: 'done', detail: check.detail };
    return {
      status: 'failed',
      detail: check.detail,
      issue: `phase ${def.number}: legacy path check failed: ${check.detail}`,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'failed', detail: message, issue: `phase ${def.number}: legacy path check threw: ${message}` };
  }
}
