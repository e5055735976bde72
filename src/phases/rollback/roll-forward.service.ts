import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { MigrationService } from '../../database/migration.service.js';
import { FullBackupService } from '../backup/full-backup.service.js';
import { FlagChange, FlagsService } from '../flags/flags.service.js';
import { JobsService } from '../jobs/jobs.service.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import type { RollbackLogEntry, RollbackMethod, RollbackStep, RollForwardStepName } from './rollback-log.entity.js';
import { RollbackLog } from './rollback-log.service.js';
import { record, rollForwardSteps, type RollbackRecord } from './rollback-record.js';

export interface RollForwardOptions {
  /** Switch on only the shadow flags: logged, but the last rollback is not marked re-enabled. */
  shadowOnly?: boolean;
  /** The path that asked (CLI, API); null in the log when not said. */
  method?: RollbackMethod;
  /** A full-database backup first ("backups before enabling"); refused, nothing changed, if it fails. */
  fullBackup?: boolean;
}

export interface RollForwardResult {
  phase: number;
  migrationsApplied: string[];
  flagsOn: string[];
  jobsResumed: string[];
  /** The roll-forward's own entry in the rollback log. */
  log: RollbackRecord;
}

type Work = () => Promise<string>;

/**
 * `phases enable`: brings a phase back after a rollback. Its schema returns first (the only
 * way a reverted phase is migrated again), then its flags, then the jobs those flags gate.
 * Re-enabling is a logged, reasoned act: it needs a reason, it is kept in rollback_log as a
 * 'roll-forward' entry with its steps and timing, and a full re-enable stamps the phase's last
 * rollback with its "re-enabled at" time. With fullBackup, a full-database backup comes first.
 */
@Injectable()
export class RollForwardService {
  constructor(
    private readonly registry: PhaseRegistry,
    private readonly migrations: MigrationService,
    private readonly flags: FlagsService,
    private readonly jobs: JobsService,
    private readonly log: RollbackLog,
    private readonly fullBackups: FullBackupService,
  ) {}

  async enable(phase: number, options: RollForwardOptions, change: FlagChange): Promise<RollForwardResult> {
    const reason = change.reason.trim();
    if (!reason)
      throw DomainError.validation([
        { field: 'reason', messages: ['re-enabling a phase needs a reason (--reason TEXT)'] },
      ]);
    const def = this.registry.get(phase);
    await this.refuseBelowMissing(phase);
    const startedAt = new Date();
    const steps = rollForwardSteps(phase, options.fullBackup === true);
    // before anything changes: a backup that fails refuses the re-enable with nothing done or logged
    const backup = options.fullBackup ? await this.fullBackup(steps[0], change.actor, phase, reason) : null;
    const entry = await this.log.create({
      kind: 'roll-forward',
      phases: [phase],
      revertSchema: false,
      backup: false,
      reason,
      actor: change.actor,
      method: options.method ?? null,
      requestId: change.requestId ?? null,
      status: 'running',
      startedAt,
      dataLoss: false,
      issues: [],
      steps,
      backupLocation: backup,
    });
    const done: Omit<RollForwardResult, 'log'> = { phase, migrationsApplied: [], flagsOn: [], jobsResumed: [] };
    const keys = def.flags.filter((f) => !options.shadowOnly || f.shadow).map((f) => f.key);
    const work: Record<Exclude<RollForwardStepName, 'full-backup'>, Work> = {
      'migrate-schema': async () => {
        done.migrationsApplied = await this.migrations.run({ includePhases: [phase], upToPhase: phase });
        return done.migrationsApplied.length ? `applied ${done.migrationsApplied.join(', ')}` : 'schema already up';
      },
      'enable-flags': async () => {
        if (keys.length) await this.flags.setMany(keys, true, { ...change, reason });
        done.flagsOn = keys;
        return `on: ${keys.join(', ') || 'none'}${options.shadowOnly ? ' (shadow only)' : ''}`;
      },
      'resume-jobs': async () => {
        const names = def.jobs.filter((j) => keys.includes(j.flag)).map((j) => j.name);
        for (const name of names) await this.jobs.resume(name, { ...change, reason });
        done.jobsResumed = names;
        return `resumed: ${names.join(', ') || 'none'}`;
      },
    };
    try {
      // the full backup, if asked for, is done already
      for (const step of entry.steps)
        if (step.status === 'pending' && step.name !== 'log')
          await this.run(entry, step, work[step.name as keyof typeof work]);
    } finally {
      await this.close(entry);
    }
    if (!options.shadowOnly) await this.log.markReEnabled(phase, entry.finishedAt ?? new Date());
    return { ...done, log: record(entry) };
  }

  /** Takes the full backup and fills in its step; answers the backup file's location. */
  private async fullBackup(step: RollbackStep, actor: string, phase: number, reason: string): Promise<string> {
    const t0 = Date.now();
    const backup = await this.fullBackups.take({ actor, reason: `before re-enabling phase ${phase}: ${reason}` });
    Object.assign(step, {
      status: 'done',
      startedAt: new Date(t0).toISOString(),
      durationMs: Date.now() - t0,
      detail: `${backup.location} (${backup.bytes} bytes, sha256 ${backup.sha256}, verified)`,
    });
    return backup.location;
  }

  private async refuseBelowMissing(phase: number): Promise<void> {
    const missing: number[] = [];
    for (const lower of this.registry.all().filter((p) => p.number < phase)) {
      if ((await this.registry.schemaState(lower.number)) !== 'applied') missing.push(lower.number);
    }
    if (missing.length) {
      throw new DomainError(
        ErrorCode.UnsafeRequest,
        `Phase ${phase} builds on phase ${missing.join(', ')}, whose schema is not applied: enable phase ${missing.join(', then ')} first`,
        { missing },
      );
    }
  }

  /** Runs one step, saving its status and timing; a failure is logged on the entry and thrown on. */
  private async run(entry: RollbackLogEntry, step: RollbackStep, work: Work): Promise<void> {
    const t0 = Date.now();
    Object.assign(step, { status: 'running', startedAt: new Date(t0).toISOString() });
    await this.log.save(entry);
    try {
      Object.assign(step, { status: 'done', detail: await work() });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      Object.assign(step, { status: 'failed', detail: message });
      entry.issues = [...entry.issues, `${step.name}: ${message}`];
      throw error;
    } finally {
      step.durationMs = Date.now() - t0;
      await this.log.save(entry);
    }
  }

  private async close(entry: RollbackLogEntry): Promise<void> {
    const failed = entry.steps.some((s) => s.status === 'failed');
    entry.status = failed ? 'failed' : 'completed';
    entry.finishedAt = new Date();
    entry.durationMs = entry.finishedAt.getTime() - entry.startedAt.getTime();
    const logStep = entry.steps.find((s) => s.name === 'log');
    Object.assign(logStep ?? {}, {
      status: 'done',
      startedAt: entry.finishedAt.toISOString(),
      durationMs: 0,
      detail: entry.status,
    });
    await this.log.save(entry);
  }
}
