import type { ConfigService } from '@nestjs/config';
import type { DataSource, EntityManager } from 'typeorm';
import { AppMode, type Environment } from '../../config/environment.js';
import { fakePhase } from '../phase-definition.fixture.js';
import type { PhaseRegistry, SchemaState } from '../phase-registry.service.js';
import type { SwitchChange } from '../rollback/emergency-statements.js';
import { FeatureFlag } from './feature-flag.entity.js';
import type { FlagPoll, FlagsRepository } from './flags.repository.js';
import { FlagsService } from './flags.service.js';
import type { FlagRulesRepository, RulesChange } from './flag-rules.repository.js';
import type { FlagRule } from './flag-rules.js';

/** feature_flag and its version row in memory; each write is kept as the service asked for it. */
class FakeFlagsRepository implements Pick<FlagsRepository, 'version' | 'poll' | 'all' | 'write'> {
  readonly rows = new Map<string, FeatureFlag>();
  readonly writes: Array<{ keys: readonly string[]; enabled: boolean; change: SwitchChange }> = [];
  versionNumber = 0;
  loads = 0;

  async version(): Promise<number> {
    return this.versionNumber;
  }

  async poll(): Promise<FlagPoll> {
    return { version: this.versionNumber, enabled: new Map([...this.rows.values()].map((r) => [r.key, r.enabled])) };
  }

  async all(): Promise<FeatureFlag[]> {
    this.loads++;
    return [...this.rows.values()].map((r) => Object.assign(new FeatureFlag(), r));
  }

  async write(manager: EntityManager, keys: readonly string[], enabled: boolean, change: SwitchChange): Promise<void> {
    if (manager !== em) throw new Error('written outside the caller transaction');
    this.writes.push({ keys, enabled, change });
    for (const key of keys)
      this.rows.set(key, { key, enabled, description: '', updatedAt: new Date(), updatedBy: change.actor });
    this.versionNumber++;
  }
}

/** feature_flag_rules in memory; a write bumps the flags' version as the real one does. */
class FakeRulesRepository implements Pick<FlagRulesRepository, 'all' | 'write'> {
  readonly rows = new Map<string, FlagRule[]>();

  constructor(private readonly flags: FakeFlagsRepository) {}

  async all(): Promise<Map<string, FlagRule[]>> {
    return new Map(this.rows);
  }

  async write(manager: EntityManager, key: string, rules: FlagRule[] | null): Promise<RulesChange | null> {
    if (manager !== em) throw new Error('written outside the caller transaction');
    const before = this.rows.get(key) ?? null;
    if (rules) this.rows.set(key, rules);
    else this.rows.delete(key);
    this.flags.versionNumber++;
    return { before, after: rules };
  }
}

const em = {} as EntityManager;
const change = { actor: 'ops', reason: 'incident 42' };

function flagsService(options: { schema?: Record<number, SchemaState>; forceOff?: string; readOnly?: boolean } = {}) {
  const phases = [7, 8].map((n) => fakePhase(n));
  const registry = {
    flags: () => phases.flatMap((p) => p.flags.map((f) => ({ ...f, phase: p.number }))),
    phaseOfFlag: (key: string) => phases.find((p) => p.flags.some((f) => f.key === key)),
    schemaState: async (n: number) => options.schema?.[n] ?? 'applied',
  } as unknown as PhaseRegistry;
  const settings: Partial<Environment> = {
    FEATURE_FLAGS_FORCE_OFF: options.forceOff ?? '',
    FLAG_REFRESH_MS: 1000,
    APP_MODE: options.readOnly ? AppMode.ReadOnly : AppMode.Normal,
  };
  const config = { get: (key: keyof Environment) => settings[key] } as unknown as ConfigService<Environment, true>;
  const repo = new FakeFlagsRepository();
  const rules = new FakeRulesRepository(repo);
  const flags = new FlagsService(
    {} as DataSource,
    repo as unknown as FlagsRepository,
    rules as unknown as FlagRulesRepository,
    registry,
    config,
  );
  return { repo, rules, flags };
}

describe('FlagsService', () => {
  it("writes in the caller's transaction, and serves the new values once the version moved", async () => {
    const { repo, flags } = flagsService();
    await flags.setMany(['p7_on', 'p8_on'], true, change, em);

    expect(repo.writes).toEqual([{ keys: ['p7_on', 'p8_on'], enabled: true, change }]);
    // the caller's transaction may still roll back: the snapshot waits for the caller's refresh
    expect(flags.isEnabled('p7_on')).toBe(false);
    await flags.refresh();
    expect(flags.isEnabled('p7_on')).toBe(true);
    expect(flags.view('p8_on')).toMatchObject({ enabled: true, effective: true, updatedBy: 'ops' });
  });

  it('reloads the flags only when their version moved', async () => {
    const { repo, flags } = flagsService();
    await flags.refresh();
    await flags.refresh();
    expect(repo.loads).toBe(1);

    await flags.setMany(['p8_on'], true, change, em);
    await flags.refresh();
    await flags.refresh();
    expect(repo.loads).toBe(2);
  });

  it('refuses a change without a reason, an unknown flag, and switching on a flag whose schema is reverted, writing nothing', async () => {
    const { repo, flags } = flagsService({ schema: { 8: 'reverted' } });

    await expect(flags.setMany(['p7_on'], true, { ...change, reason: '   ' }, em)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(flags.setMany(['p7_on', 'nope'], true, change, em)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(flags.setMany(['p7_on', 'p8_on'], true, change, em)).rejects.toMatchObject({
      code: 'SCHEMA_NOT_APPLIED',
      details: { phase: 8 },
    });
    expect(repo.writes).toEqual([]);

    // switching it off needs no schema
    await flags.setMany(['p8_on'], false, change, em);
    expect(repo.writes).toEqual([{ keys: ['p8_on'], enabled: false, change }]);
  });

  it('keeps a flag the kill switch names off whatever is stored, and says why', async () => {
    const { flags } = flagsService({ forceOff: 'p7_on' });
    await flags.setMany(['p7_on', 'p8_on'], true, change, em);
    await flags.refresh();

    expect(flags.isEnabled('p7_on')).toBe(false);
    expect(flags.view('p7_on')).toMatchObject({
      enabled: true,
      effective: false,
      forcedOff: true,
      reason: 'forced off by FEATURE_FLAGS_FORCE_OFF lists this flag',
    });
    expect(flags.isEnabled('p8_on')).toBe(true);
  });

  it('applies a value changed by hand with no version bump; a read-only replica leaves the audit to a writable one', async () => {
    const { repo, flags } = flagsService({ readOnly: true });
    await flags.setMany(['p7_on'], true, change, em);
    await flags.refresh();
    expect(repo.loads).toBe(1);

    repo.rows.get('p7_on')!.enabled = false;
    await flags.refresh();
    expect(flags.isEnabled('p7_on')).toBe(false);
    expect(repo.loads).toBe(2);
    await flags.refresh();
    expect(repo.loads).toBe(2);
  });
});

describe('FlagsService targeting rules', () => {
  const weld = [{ scope: { stations: ['ST-WELD'] } }];

  it('evaluates rules only for an enabled flag, in memory, and the kill switch beats them', async () => {
    const { flags } = flagsService({ forceOff: 'p8_on' });
    await flags.setRules('p7_on', weld, change, em);
    await flags.setRules('p8_on', weld, change, em);
    await flags.refresh();
    // stored off (what a rollback or an emergency leaves) wins over a matching rule
    expect(flags.evaluate('p7_on', { station: 'ST-WELD' })).toEqual({ value: false, reason: 'STATIC' });
    await flags.setMany(['p7_on', 'p8_on'], true, change, em);
    await flags.refresh();
    expect(flags.evaluate('p7_on', { station: 'ST-WELD' })).toEqual({ value: true, reason: 'TARGETING_MATCH' });
    expect(flags.evaluate('p7_on', { station: 'ST-CUT' })).toEqual({ value: false, reason: 'DEFAULT' });
    expect(flags.evaluate('p8_on', { station: 'ST-WELD' })).toEqual({ value: false, reason: 'DISABLED' });
    // the switch jobs and rollbacks read is the flag's own, whatever its rules
    expect(flags.isEnabled('p7_on')).toBe(true);
    expect(flags.view('p7_on').rules).toEqual(weld);

    await flags.setRules('p7_on', [], change, em);
    await flags.refresh();
    expect(flags.evaluate('p7_on', { station: 'ST-CUT' })).toEqual({ value: true, reason: 'STATIC' });
    expect(flags.view('p7_on').rules).toEqual([]);
  });

  it('refuses bad rules, a missing reason and an unknown flag before writing anything', async () => {
    const { rules, flags } = flagsService();
    await expect(
      flags.setRules('p7_on', [{ percentage: 200 }], { actor: 'ops', reason: ' ' }, em),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: {
        errors: [
          { field: 'rules.0.percentage', messages: ['must be a number from 0 to 100 with at most two decimals'] },
          { field: 'reason', messages: ['a reason is required for every flag change'] },
        ],
      },
    });
    await expect(flags.setRules('nope', weld, change, em)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(rules.rows.size).toBe(0);
  });
});
