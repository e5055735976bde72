import type { BackupService } from '../backup/backup.service.js';
import type { FullBackup, FullBackupService } from '../backup/full-backup.service.js';
import type { FlagsService } from '../flags/flags.service.js';
import type { PhaseSchema } from '../guard/migration-guard.js';
import type { JobsService } from '../jobs/jobs.service.js';
import { fakePhase } from '../phase-definition.fixture.js';
import type { PhaseRegistry, SchemaState } from '../phase-registry.service.js';
import type { InspectedItem, RollbackPlanRepository } from './rollback-plan.repository.js';
import { RollbackPlanner } from './rollback-planner.service.js';

interface TableState {
  rows: number;
  rebuildable: boolean;
  /** a verified backup holds exactly its rows */
  backedUp?: boolean;
  exists?: boolean;
}

/** The planner's repository in memory: each table's rows and backup, judged as the guard does. */
class FakeRollbackPlanRepository implements Pick<RollbackPlanRepository, 'inspect'> {
  constructor(readonly tables: Map<string, TableState>) {}

  async inspect(schema: PhaseSchema, options: { checkBackups: boolean }): Promise<InspectedItem[]> {
    return schema.tables.map(({ name }) => {
      const state = this.tables.get(name) ?? { rows: 0, rebuildable: true };
      const exists = state.exists !== false;
      const holdsData = exists && state.rows > 0;
      const refused = options.checkBackups && holdsData && !state.rebuildable && !state.backedUp;
      return {
        table: name,
        rebuildable: state.rebuildable,
        exists,
        holdsData,
        coveredBy: state.backedUp ? { backupId: 1, location: '/backups/1' } : null,
        refusal: refused ? 'holds data and no verified backup covers it' : null,
        rows: exists ? state.rows : null,
      };
    });
  }
}

function planner(
  options: {
    schema?: Record<number, SchemaState>;
    tables?: Record<string, TableState>;
    preflight?: () => Promise<void>;
    lastFullBackup?: FullBackup;
  } = {},
) {
  const phases = [7, 8, 9, 10].map((n) => fakePhase(n));
  const registry = {
    all: () => phases,
    get: (n: number) => {
      const found = phases.find((p) => p.number === n);
      if (!found) throw new Error(`no phase ${n}`);
      return found;
    },
    schemaState: async (n: number) => options.schema?.[n] ?? 'applied',
  } as unknown as PhaseRegistry;
  const flags = { isEnabled: () => true } as unknown as FlagsService;
  const jobs = { isStopped: async () => false, isRunning: async () => false } as unknown as JobsService;
  const backups = {
    preflight: options.preflight ?? (async () => undefined),
    baseDir: '/backups',
  } as unknown as BackupService;
  const fullBackups = { latestVerified: async () => options.lastFullBackup ?? null } as unknown as FullBackupService;
  const repository = new FakeRollbackPlanRepository(new Map(Object.entries(options.tables ?? {})));
  return new RollbackPlanner(
    repository as unknown as RollbackPlanRepository,
    registry,
    flags,
    jobs,
    backups,
    fullBackups,
  );
}

const request = { actor: 'test', reason: 'unit' };

describe('RollbackPlanner refusals (against an in-memory repository)', () => {
  it('refuses a schema revert out of stack order, naming the higher phases still applied', async () => {
    const plan = await planner().plan({ ...request, phase: 8, revertSchema: true, backup: true });
    expect(plan.refusals).toEqual([
      'schema reverts go in stack order: revert phase 10, phase 9 first (or use --to-phase 8)',
    ]);
  });

  it('accepts the same revert once the higher phases are down', async () => {
    const plan = await planner({ schema: { 9: 'reverted', 10: 'reverted' } }).plan({
      ...request,
      phase: 8,
      revertSchema: true,
      backup: true,
    });
    expect(plan.refusals).toEqual([]);
    expect(plan.phasePlans[0].tables[0].action).toBe('back up, then drop');
  });

  it('refuses to drop a log that holds rows no verified backup covers, and says to pass --backup', async () => {
    const plan = await planner({ tables: { p10_log: { rows: 3, rebuildable: false } } }).plan({
      ...request,
      phase: 10,
      revertSchema: true,
    });
    expect(plan.refusals).toEqual([
      'phase 10: p10_log: holds data and no verified backup covers it: pass --backup to back it up before the revert',
    ]);
    expect(plan.phasePlans[0].tables[0]).toMatchObject({ action: 'refused', rows: 3, holdsData: true });
  });

  it('lets a covered log, an empty one and a rebuildable cache be dropped, and flags only the cache as data loss', async () => {
    const covered = await planner({ tables: { p10_log: { rows: 3, rebuildable: false, backedUp: true } } }).plan({
      ...request,
      phase: 10,
      revertSchema: true,
    });
    expect(covered.refusals).toEqual([]);
    expect(covered.dataLoss).toBe(false);
    const cache = await planner({ tables: { p10_log: { rows: 5, rebuildable: true } } }).plan({
      ...request,
      phase: 10,
      revertSchema: true,
    });
    expect(cache.refusals).toEqual([]);
    expect(cache.dataLoss).toBe(true);
  });

  it('refuses a backup the backup directory cannot take, with its reason', async () => {
    const plan = await planner({
      preflight: () => Promise.reject(new Error('backup directory /backups is not writable')),
    }).plan({ ...request, phase: 10, revertSchema: true, backup: true });
    expect(plan.refusals).toEqual(['backup directory /backups is not writable']);
  });

  it('a flags-only rollback keeps every table and refuses nothing', async () => {
    const plan = await planner({ tables: { p7_log: { rows: 9, rebuildable: false } } }).plan({
      ...request,
      toPhase: 7,
    });
    expect(plan.phases).toEqual([10, 9, 8, 7]);
    expect(plan.refusals).toEqual([]);
    expect(plan.phasePlans.flatMap((p) => p.tables.map((t) => t.action))).toEqual(['keep', 'keep', 'keep', 'keep']);
  });

  it('refuses malformed requests before reading anything', async () => {
    const p = planner();
    await expect(p.plan({ ...request })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(p.plan({ ...request, phase: 8, toPhase: 7 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(p.plan({ ...request, emergency: true, revertSchema: true })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(p.plan({ ...request, phase: 8, backup: true })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(p.plan({ ...request, emergency: true, fullBackup: true })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('shows the latest full backup and its age, and refuses a full backup the directory cannot take', async () => {
    const last = { id: 3, location: '/backups/x-full/database.sqlite', ageSeconds: 7200 } as FullBackup;
    expect(await planner({ lastFullBackup: last }).plan({ ...request, phase: 10 })).toMatchObject({
      fullBackup: false,
      lastFullBackup: last,
      refusals: [],
    });
    expect((await planner().plan({ ...request, phase: 10 })).lastFullBackup).toBeNull();
    const refused = await planner({ preflight: () => Promise.reject(new Error('/backups is read-only')) }).plan({
      ...request,
      phase: 10,
      fullBackup: true,
    });
    expect(refused).toMatchObject({ fullBackup: true, refusals: ['full backup: /backups is read-only'] });
  });
});
