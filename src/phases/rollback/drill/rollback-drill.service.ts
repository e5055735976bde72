import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Inject, Injectable, INestApplicationContext, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { DomainError } from '../../../common/errors/domain-error.js';
import { environmentOf } from '../../../config/config.module.js';
import type { Environment, EnvironmentInput } from '../../../config/environment.js';
import { FullBackupService } from '../../backup/full-backup.service.js';
import { RestoreService } from '../../backup/restore.service.js';
import type { FlagChange } from '../../flags/flags.service.js';
import type { PhaseDefinition } from '../../phase-definition.js';
import { PhaseRegistry } from '../../phase-registry.service.js';
import { RollForwardService } from '../roll-forward.service.js';
import { RollbackPlanner } from '../rollback-planner.service.js';
import type { RollbackRecord } from '../rollback-record.js';
import { RollbackService } from '../rollback.service.js';
import { compareDigests, digestOwned } from './drill-checksums.js';
import { drillReport, type DrillReport } from './drill-report.js';
import { type DrillListener, DrillTimer, messageOf } from './drill-timer.js';
import type { RollbackDrill } from './rollback-drill.entity.js';
import { RollbackDrillRepository } from './rollback-drill.repository.js';
import { SCRATCH_APP, type ScratchAppFactory } from './scratch-app.js';
import { environmentInput, scratchCopy, type ScratchCopy } from './scratch-copy.js';
import { DatabaseTargetRepository } from '../../backup/database-target.repository.js';

export interface DrillRequest {
  /** The lowest phase the rehearsal rolls back; the lowest registered phase when left out. */
  toPhase?: number;
  actor: string;
}

/** One drill's state while it runs. */
interface DrillContext {
  drill: RollbackDrill;
  timer: DrillTimer;
  phases: PhaseDefinition[];
  scratch: ScratchCopy;
}

/** How the application on the copy differs from the live one. */
const COPY_SETTINGS: EnvironmentInput = {
  // the copy carries the live schema; the drill migrates phases up itself, as `phases enable` does
  MIGRATE_ON_START: 'false',
  // no job may write to the copy between the checksums
  JOBS_ENABLED: 'false',
  // a rehearsal must not page anyone: no rollback notices (an empty value means unset)
  ROLLBACK_WEBHOOK_URL: '',
  APP_MODE: 'normal',
};

/**
 * The quarterly rehearsal without a staging system: a full backup of the live database is
 * loaded into a scratch database, and the whole runbook runs there on the real services (the
 * rollback to the target phase with backups and schema reverts, then each phase enabled again
 * from the bottom and its backup restored), every step timed. Every table and column the
 * phases own must come back with the checksum it had before. The copy is always dropped; the
 * live database only gains the drill report and the record of the full backup taken for it.
 */
@Injectable()
export class RollbackDrillService {
  private readonly logger = new Logger(RollbackDrillService.name);

  constructor(
    private readonly planner: RollbackPlanner,
    private readonly registry: PhaseRegistry,
    private readonly drills: RollbackDrillRepository,
    private readonly databases: DatabaseTargetRepository,
    private readonly fullBackups: FullBackupService,
    private readonly config: ConfigService<Environment, true>,
    @Inject(SCRATCH_APP) private readonly startApp: ScratchAppFactory,
  ) {}

  async list(limit = 50): Promise<DrillReport[]> {
    return (await this.drills.list(limit)).map(drillReport);
  }

  async get(id: number): Promise<DrillReport> {
    const drill = await this.drills.byId(id);
    if (!drill) throw DomainError.notFound('Rollback drill', id);
    return drillReport(drill);
  }

  async run(request: DrillRequest, onStep?: DrillListener): Promise<DrillReport> {
    const toPhase = request.toPhase ?? Math.min(...this.registry.all().map((p) => p.number));
    const phases = this.planner.phasesOf({ toPhase, revertSchema: true, backup: true, actor: request.actor });
    const live = environmentOf(this.config);
    // the phase backups and an SQLite copy; removed when the drill ends
    const workDir = join(resolve(live.BACKUP_DIR), `${new Date().toISOString().replace(/[-:.]/g, '')}-drill`);
    const scratch = scratchCopy(live, workDir, this.databases);
    const drill = await this.drills.create({
      toPhase,
      phases: phases.map((p) => p.number),
      actor: request.actor,
      copy: scratch.description,
      startedAt: new Date(),
    });
    const timer = new DrillTimer(drill, onStep);
    try {
      // backups in it hold People data (Phase 9): the owner alone may read them
      await mkdir(workDir, { recursive: true, mode: 0o700 });
      await this.rehearse(
        { drill, timer, phases, scratch },
        {
          ...environmentInput(live),
          ...scratch.env,
          ...COPY_SETTINGS,
          BACKUP_DIR: join(workDir, 'phases'),
        },
      );
    } catch (error) {
      drill.error = messageOf(error);
    } finally {
      await timer
        .time(null, 'drop-copy', async () => {
          await scratch.drop();
          await rm(workDir, { recursive: true, force: true });
          return { value: undefined, detail: `dropped ${scratch.description} and removed ${workDir}` };
        })
        // recorded on the step: the report says the copy is left over
        .catch((error: unknown) => (drill.error ??= `the copy was not dropped: ${messageOf(error)}`));
    }
    return this.finish(drill);
  }

  private async rehearse({ drill, timer, phases, scratch }: DrillContext, copyEnv: EnvironmentInput): Promise<void> {
    // a real full backup, kept and recorded like any other: the copy is only as good as the backup it comes from
    const full = await timer.time(null, 'full-backup', async () => {
      const backup = await this.fullBackups.take({ actor: drill.actor, reason: `rollback drill #${drill.id}` });
      return { value: backup, detail: `verified full backup ${backup.location}` };
    });
    await timer.time(null, 'load-copy', async () => {
      await this.fullBackups.restoreInto(full.location, scratch.target);
      return { value: undefined, detail: `loaded into ${scratch.description}` };
    });
    const app = await timer.time(null, 'start-copy', async () => ({
      value: await this.startApp(copyEnv),
      detail: 'the application started on the copy (no HTTP, no jobs, no rollback notices)',
    }));
    try {
      await this.runbookOnCopy(drill, timer, phases, app);
    } finally {
      await app.close();
    }
  }

  /** The runbook on the copy: rollback with backups and schema reverts, then enable and restore from the bottom up. */
  private async runbookOnCopy(
    drill: RollbackDrill,
    timer: DrillTimer,
    phases: PhaseDefinition[],
    app: INestApplicationContext,
  ): Promise<void> {
    const dataSource = app.get(DataSource);
    const before = await timer.time(null, 'checksum', async () => {
      const digests = await digestOwned(dataSource, phases);
      return { value: digests, detail: `${digests.length} tables and columns, ${rowsOf(digests)} rows` };
    });
    const change: FlagChange = { actor: drill.actor, reason: `rollback drill #${drill.id}` };
    const rollback = await app
      .get(RollbackService)
      .rollback(
        { toPhase: drill.toPhase, revertSchema: true, backup: true, reason: change.reason, actor: drill.actor },
        (s) => timer.rollbackStep(s),
      );
    if (rollback.status !== 'completed')
      drill.error = `the rollback on the copy ${rollback.status}: ${rollback.issues.join('; ')}`;
    const restores = app.get(RestoreService);
    const backups = await backupsByPhase(restores, rollback);
    const rollForward = app.get(RollForwardService);
    for (const phase of revertedPhases(rollback)) {
      // shadow flags only, as the runbook brings a phase back before its data is restored
      const enabled = await timer
        .time(phase, 'enable', async () => {
          const result = await rollForward.enable(phase, { shadowOnly: true }, change);
          return { value: result, detail: `applied ${result.migrationsApplied.join(', ') || 'nothing'}` };
        })
        .then(
          () => true,
          () => false,
        );
      // the phases above build on this one: they cannot come back without it
      if (!enabled) break;
      const location = backups.get(phase);
      if (!location) continue;
      await timer
        .time(phase, 'restore', async () => {
          const restored = await restores.restore(location);
          return { value: restored, detail: `${restored.items.length} tables and columns restored, checksums match` };
        })
        // recorded on the step; the phases above are still enabled and restored, and verify shows the damage
        .catch(() => undefined);
    }
    await timer.time(null, 'verify', async () => {
      drill.checksums = compareDigests(before, await digestOwned(dataSource, phases));
      const bad = drill.checksums.filter((c) => !c.ok).map((c) => (c.column ? `${c.table}.${c.column}` : c.table));
      return {
        value: undefined,
        detail: bad.length ? `mismatch: ${bad.join(', ')}` : `${drill.checksums.length} tables and columns match`,
        failed: bad.length > 0,
      };
    });
  }

  private async finish(drill: RollbackDrill): Promise<DrillReport> {
    drill.finishedAt = new Date();
    drill.durationMs = drill.finishedAt.getTime() - drill.startedAt.getTime();
    const failed = drill.error !== null || drill.steps.some((s) => s.status === 'failed');
    drill.status = failed || drill.checksums.some((c) => !c.ok) ? 'failed' : 'passed';
    const saved = await this.drills.save(drill);
    this.logger.log({
      msg: 'rollback drill finished',
      drill: drill.id,
      status: drill.status,
      durationMs: drill.durationMs,
    });
    return drillReport(saved);
  }
}

/** Phases whose schema the rollback reverted, lowest first: the order they come back in. */
function revertedPhases(rollback: RollbackRecord): number[] {
  return rollback.steps
    .flatMap((s) => (s.name === 'revert-schema' && s.status === 'done' && s.phase !== null ? [s.phase] : []))
    .sort((a, b) => a - b);
}

/** Each phase's backup directory, from the locations the rollback logged (its manifest names the phase). */
async function backupsByPhase(restores: RestoreService, rollback: RollbackRecord): Promise<Map<number, string>> {
  const byPhase = new Map<number, string>();
  for (const location of rollback.backupLocation?.split('; ') ?? []) {
    byPhase.set((await restores.readManifest(location)).phase, location);
  }
  return byPhase;
}

function rowsOf(digests: ReadonlyArray<{ rows: number }>): number {
  return digests.reduce((n, d) => n + d.rows, 0);
}
