import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { MigrationService } from '../../database/migration.service.js';
import type { MigrationStatus } from '../../database/migrator.js';
import { FullBackupService } from '../backup/full-backup.service.js';
import { FlagsService } from '../flags/flags.service.js';
import { JobsService } from '../jobs/jobs.service.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import { allowCoreDataDrop, CORE_DATA_DROP_USAGE } from './core-schema-guard.js';

export interface CoreDataOverride {
  reason?: string;
  actor: string;
  /**
   * Take a full backup first (read back and recorded as verified); the override is refused
   * without it, since an older backup misses whatever was written after it.
   */
  fullBackup?: boolean;
}

/**
 * `migrate --revert` with the rollback runbook's rules, which the migrator below cannot know:
 * a phase's schema goes only after its flags are off and its jobs are still (flags first),
 * and a core table holding data goes only by an explicit override with a verified full
 * backup (enforced by the core migrations' own down(), which this hands the override to).
 */
@Injectable()
export class SchemaRevertService {
  constructor(
    private readonly migrations: MigrationService,
    private readonly registry: PhaseRegistry,
    private readonly flags: FlagsService,
    private readonly jobs: JobsService,
    private readonly fullBackups: FullBackupService,
  ) {}

  /** Reverts the latest migration; returns its name, or null when none is applied. */
  async revertLast(dropCoreData?: CoreDataOverride): Promise<string | null> {
    const allow = dropCoreData && allowCoreDataDrop(await this.overrideWithBackup(dropCoreData));
    return this.migrations.revertLast({ check: (migration) => this.flagsFirst(migration), allow });
  }

  /**
   * Refuses a phase migration's revert while any of the phase's flags is stored on, or any of
   * its jobs is running, or is not stopped while its flag is on: the stored values, read now.
   */
  async flagsFirst(migration: MigrationStatus): Promise<void> {
    const phase = this.registry.all().find((p) => p.number === migration.phase);
    if (!phase) return;
    await this.flags.refresh();
    const flagsOn = phase.flags.map((f) => f.key).filter((key) => this.flags.view(key).enabled);
    const running = new Set(await this.jobs.stillRunning(phase.jobs.map((j) => j.name)));
    const jobs: string[] = [];
    for (const job of phase.jobs) {
      if (running.has(job.name)) jobs.push(`${job.name} (running)`);
      else if (flagsOn.includes(job.flag) && !(await this.jobs.isStopped(job.name)))
        jobs.push(`${job.name} (not stopped)`);
    }
    if (flagsOn.length === 0 && jobs.length === 0) return;
    const blocks = [
      flagsOn.length > 0 && `its flags are on: ${flagsOn.join(', ')}`,
      jobs.length > 0 && `its jobs are running or not stopped: ${jobs.join(', ')}`,
    ].filter(Boolean);
    throw new DomainError(
      ErrorCode.UnsafeRequest,
      `Refusing to revert ${migration.name}: flags go first, and phase ${phase.number} is live (${blocks.join('; ')}). ` +
        `Roll the phase back instead, which switches its flags off, stops its jobs, backs up and then reverts: ` +
        `rollback --phase ${phase.number} --revert-schema --backup --reason TEXT`,
      { phase: phase.number, migration: migration.name, flagsOn, jobs },
    );
  }

  private async overrideWithBackup(override: CoreDataOverride) {
    const reason = override.reason?.trim();
    if (!reason)
      throw DomainError.validation([{ field: 'reason', messages: ['--drop-core-data needs --reason TEXT'] }]);
    if (!override.fullBackup)
      throw new DomainError(
        ErrorCode.UnsafeRequest,
        `--drop-core-data needs a verified full backup taken first: ${CORE_DATA_DROP_USAGE}`,
      );
    const backup = await this.fullBackups.take({
      actor: override.actor,
      reason: `before dropping core data: ${reason}`,
    });
    return { reason, actor: override.actor, fullBackup: { id: backup.id, location: backup.location } };
  }
}
