import { Injectable } from '@nestjs/common';
import { present } from '../../common/present.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { BackupService } from '../backup/backup.service.js';
import { FullBackup, FullBackupService } from '../backup/full-backup.service.js';
import { FlagsService } from '../flags/flags.service.js';
import { describeItem, GuardItem, schemaOf } from '../guard/migration-guard.js';
import { JobsService } from '../jobs/jobs.service.js';
import type { DataLossRisk, InFlightWork, PhaseDefinition } from '../phase-definition.js';
import { PhaseRegistry, SchemaState } from '../phase-registry.service.js';
import type { RollbackKind, RollbackMethod, RollbackStep } from './rollback-log.entity.js';
import { RollbackPlanRepository } from './rollback-plan.repository.js';
import { stepsFor } from './rollback-record.js';

export interface RollbackRequest {
  phase?: number;
  toPhase?: number;
  emergency?: boolean;
  revertSchema?: boolean;
  backup?: boolean;
  /** Take a full-database backup before the first step. */
  fullBackup?: boolean;
  reason?: string;
  actor: string;
  /** The path that asked (CLI, API); null in the log when not said. */
  method?: RollbackMethod;
  requestId?: string;
}

export interface TablePlan {
  table: string;
  column?: string;
  rebuildable: boolean;
  exists: boolean;
  holdsData: boolean;
  rows: number | null;
  action: 'keep' | 'absent' | 'drop' | 'back up, then drop' | 'refused';
  note: string;
}

export interface PhasePlan {
  phase: number;
  key: string;
  title: string;
  dataLossRisk: DataLossRisk;
  legacyFallback: string;
  schema: SchemaState;
  flagsOn: string[];
  jobs: Array<{ name: string; stopped: boolean; running: boolean }>;
  inFlight: InFlightWork | null;
  tables: TablePlan[];
}

/** Everything a rollback would do and what it would refuse, computed without changing anything. */
export interface RollbackPlan {
  kind: RollbackKind;
  phases: number[];
  revertSchema: boolean;
  backup: boolean;
  backupDir: string | null;
  fullBackup: boolean;
  /** The latest verified full-database backup, whose age the dry run shows. */
  lastFullBackup: FullBackup | null;
  steps: RollbackStep[];
  phasePlans: PhasePlan[];
  /** Rows dropped that no backup keeps (rebuildable data, reverted without --backup). */
  dataLoss: boolean;
  refusals: string[];
}

@Injectable()
export class RollbackPlanner {
  constructor(
    private readonly tables: RollbackPlanRepository,
    private readonly registry: PhaseRegistry,
    private readonly flags: FlagsService,
    private readonly jobs: JobsService,
    private readonly backups: BackupService,
    private readonly fullBackups: FullBackupService,
  ) {}

  /** The phases a request covers, in rollback order (highest first). */
  phasesOf(request: RollbackRequest): PhaseDefinition[] {
    const targets = [request.phase !== undefined, request.toPhase !== undefined, request.emergency === true].filter(
      Boolean,
    ).length;
    if (targets !== 1)
      throw DomainError.validation([{ field: 'phase', messages: ['give exactly one of phase, toPhase or emergency'] }]);
    if (request.emergency && (request.revertSchema || request.backup || request.fullBackup)) {
      throw DomainError.validation([
        {
          field: 'emergency',
          messages: ['an emergency rollback changes no schema and waits for nothing: drop revertSchema and backups'],
        },
      ]);
    }
    if (request.backup && !request.revertSchema) {
      throw DomainError.validation([
        { field: 'backup', messages: ['backup goes with revertSchema: it protects the rows the revert drops'] },
      ]);
    }
    const desc = [...this.registry.all()].reverse();
    if (request.emergency) return desc;
    if (request.phase !== undefined) return [this.registry.get(request.phase)];
    const toPhase = present(request.toPhase, 'toPhase (the only target left)');
    this.registry.get(toPhase);
    return desc.filter((p) => p.number >= toPhase);
  }

  async plan(request: RollbackRequest): Promise<RollbackPlan> {
    const phases = this.phasesOf(request);
    const revertSchema = request.revertSchema === true;
    const backup = request.backup === true;
    const kind: RollbackKind = request.emergency ? 'emergency' : request.phase !== undefined ? 'phase' : 'to-phase';
    const refusals: string[] = [];
    if (revertSchema) refusals.push(...(await this.stackOrderRefusals(phases)));
    if (backup)
      await this.backups.preflight().catch((e: unknown) => refusals.push(e instanceof Error ? e.message : String(e)));
    if (request.fullBackup)
      await this.backups
        .preflight()
        .catch((e: unknown) => refusals.push(`full backup: ${e instanceof Error ? e.message : String(e)}`));
    const phasePlans: PhasePlan[] = [];
    for (const def of phases) phasePlans.push(await this.phasePlan(def, revertSchema, backup));
    for (const p of phasePlans) {
      const refused = p.tables.filter((t) => t.action === 'refused');
      if (refused.length)
        refusals.push(
          `phase ${p.phase}: ${refused.map((t) => t.note).join('; ')}: pass --backup to back it up before the revert`,
        );
    }
    return {
      kind,
      phases: phases.map((p) => p.number),
      revertSchema,
      backup,
      backupDir: backup ? this.backups.baseDir : null,
      fullBackup: request.fullBackup === true,
      lastFullBackup: await this.fullBackups.latestVerified(),
      steps: stepsFor(kind, phases, revertSchema, backup),
      phasePlans,
      dataLoss: phasePlans.some((p) => p.tables.some((t) => t.action === 'drop' && t.holdsData && t.rebuildable)),
      refusals,
    };
  }

  /** Schemas come down strictly in stack order: every higher phase not in this rollback must be down already. */
  private async stackOrderRefusals(phases: PhaseDefinition[]): Promise<string[]> {
    const included = new Set(phases.map((p) => p.number));
    const lowest = Math.min(...included);
    const first: number[] = [];
    for (const p of [...this.registry.all()].reverse()) {
      if (p.number > lowest && !included.has(p.number) && (await this.registry.schemaState(p.number)) !== 'reverted')
        first.push(p.number);
    }
    if (first.length === 0) return [];
    return [
      `schema reverts go in stack order: revert phase ${first.join(', phase ')} first (or use --to-phase ${lowest})`,
    ];
  }

  private async phasePlan(def: PhaseDefinition, revertSchema: boolean, backup: boolean): Promise<PhasePlan> {
    const schema = await this.registry.schemaState(def.number);
    const tables = await this.tablePlans(def, revertSchema, backup);
    const jobs = await Promise.all(
      def.jobs.map(async (j) => ({
        name: j.name,
        stopped: await this.jobs.isStopped(j.name),
        running: await this.jobs.isRunning(j.name),
      })),
    );
    return {
      phase: def.number,
      key: def.key,
      title: def.title,
      dataLossRisk: def.dataLossRisk,
      legacyFallback: def.legacyFallback,
      schema,
      flagsOn: def.flags.filter((f) => this.flags.isEnabled(f.key)).map((f) => f.key),
      jobs,
      inFlight: schema === 'applied' ? await def.inFlight() : null,
      tables,
    };
  }

  /** What happens to each table and column, by the guard's own verdict (backups checked only when no new backup will be taken). */
  private async tablePlans(def: PhaseDefinition, revertSchema: boolean, backup: boolean): Promise<TablePlan[]> {
    const items = await this.tables.inspect(schemaOf(def), { checkBackups: revertSchema && !backup });
    return items.map((item) => ({
      table: item.table,
      ...(item.column ? { column: item.column } : {}),
      rebuildable: item.rebuildable,
      exists: item.exists,
      holdsData: item.holdsData,
      rows: item.rows,
      action: actionFor(item, revertSchema, backup),
      note: describeItem(item),
    }));
  }
}

function actionFor(item: GuardItem, revertSchema: boolean, backup: boolean): TablePlan['action'] {
  if (!revertSchema) return 'keep';
  if (!item.exists) return 'absent';
  if (backup) return 'back up, then drop';
  return item.refusal ? 'refused' : 'drop';
}
