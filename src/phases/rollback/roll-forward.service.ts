import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { MigrationService } from '../../database/migration.service.js';
import { FlagChange, FlagsService } from '../flags/flags.service.js';
import { JobsService } from '../jobs/jobs.service.js';
import { PhaseRegistry } from '../phase-registry.service.js';

export interface RollForwardResult {
  phase: number;
  migrationsApplied: string[];
  flagsOn: string[];
  jobsResumed: string[];
}

/**
 * `phases enable`: brings a phase back after a rollback. Its schema returns first (the only
 * way a reverted phase is migrated again), then its flags, then the jobs those flags gate.
 */
@Injectable()
export class RollForwardService {
  constructor(
    private readonly registry: PhaseRegistry,
    private readonly migrations: MigrationService,
    private readonly flags: FlagsService,
    private readonly jobs: JobsService,
  ) {}

  async enable(phase: number, options: { shadowOnly?: boolean }, change: FlagChange): Promise<RollForwardResult> {
    const def = this.registry.get(phase);
    const missing: number[] = [];
    for (const lower of this.registry.all().filter((p) => p.number < phase)) {
      if ((await this.registry.schemaState(lower.number)) !== 'applied') missing.push(lower.number);
    }
    if (missing.length) {
      throw new DomainError(
        ErrorCode.UnsafeRequest,
        `Phase ${phase} builds on phase ${missing.join(', ')}, whose schema is not applied: enable phase ${missing.join(', then ')} first`,
        {
          missing,
        },
      );
    }
    const migrationsApplied = await this.migrations.run({ includePhases: [phase], upToPhase: phase });
    const keys = def.flags.filter((f) => !options.shadowOnly || f.shadow).map((f) => f.key);
    if (keys.length) await this.flags.setMany(keys, true, change);
    const jobsResumed = def.jobs.filter((j) => keys.includes(j.flag)).map((j) => j.name);
    for (const name of jobsResumed) await this.jobs.resume(name, change);
    return { phase, migrationsApplied, flagsOn: keys, jobsResumed };
  }
}
