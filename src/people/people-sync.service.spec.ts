import type { ConfigService } from '@nestjs/config';
import type { DataSource, EntityManager } from 'typeorm';
import type { Environment } from '../config/environment.js';
import type { PhaseTelemetry } from '../phases/telemetry/phase-telemetry.service.js';
import { CacheWriter } from './cache-writer.js';
import type { MaskingPolicyService } from './masking-policy.service.js';
import type { PeopleCacheWriteRepository, Stamp } from './people-cache-write.repository.js';
import type { CacheTable, PeopleCacheRepository, SyncMarks } from './people-cache.repository.js';
import type { PeopleClient } from './people-client.js';
import type { AvailabilityRecord, OperatorRecord, Rejection, TeamRecord } from './people-records.js';
import { PeopleSyncService } from './people-sync.service.js';
import type { SyncErrorLog } from './sync-error-log.service.js';

const HOUR = 3_600_000;

interface CachedRow {
  /** The record as written, without its stamps. */
  data: string;
  active: boolean;
  sourceUpdatedAt: Date | null;
  fullSyncedAt: Date | null;
  fetchedAt: Date;
  expiresAt: Date;
}

type Tables = Record<CacheTable, Map<string, CachedRow>>;

/** The three caches in memory, written and settled as the SQL of the two repositories does. */
class FakePeopleCache
  implements
    Pick<
      PeopleCacheWriteRepository,
      'upsertOperators' | 'upsertTeams' | 'upsertAvailability' | 'removeUnwritten' | 'retire' | 'confirm'
    >,
    Pick<PeopleCacheRepository, 'syncMarks'>
{
  readonly tables: Tables = {
    people_operator_cache: new Map(),
    people_team_cache: new Map(),
    people_availability_cache: new Map(),
  };

  async upsertOperators(
    _em: EntityManager,
    records: OperatorRecord[],
    stamp: Stamp,
    fullSince: Date | null,
  ): Promise<number> {
    for (const { updatedAt, active, ...data } of records) {
      const before = this.tables.people_operator_cache.get(data.id);
      this.write('people_operator_cache', data.id, data, active, stamp, {
        sourceUpdatedAt: updatedAt,
        fullSyncedAt: fullSince ?? before?.fullSyncedAt ?? null,
      });
    }
    return records.length;
  }

  async upsertTeams(_em: EntityManager, records: TeamRecord[], stamp: Stamp): Promise<number> {
    for (const { active, ...data } of records) this.write('people_team_cache', data.id, data, active, stamp);
    return records.length;
  }

  async upsertAvailability(
    _em: EntityManager,
    records: AvailabilityRecord[],
    _window: { start: Date; end: Date },
    stamp: Stamp,
  ): Promise<number> {
    for (const record of records) this.write('people_availability_cache', record.id, record, true, stamp);
    return records.length;
  }

  async removeUnwritten(_em: EntityManager, stamp: Stamp): Promise<number> {
    const table = this.tables.people_availability_cache;
    const gone = [...table].filter(([, row]) => row.fetchedAt < stamp.fetchedAt).map(([id]) => id);
    for (const id of gone) table.delete(id);
    return gone.length;
  }

  async retire(_em: EntityManager, table: CacheTable, rejectedIds: string[], stamp: Stamp): Promise<number> {
    for (const id of rejectedIds) this.restamp(this.tables[table].get(id), stamp);
    let retired = 0;
    for (const row of this.tables[table].values()) {
      if (row.fetchedAt < stamp.fetchedAt && row.active) {
        row.active = false;
        retired++;
      }
    }
    return retired;
  }

  async confirm(_em: EntityManager, table: CacheTable, stamp: Stamp, before: Date): Promise<void> {
    for (const row of this.tables[table].values()) if (row.expiresAt < before) this.restamp(row, stamp);
  }

  async syncMarks(): Promise<SyncMarks> {
    const max = (dates: Array<Date | null>) => dates.reduce<Date | null>((a, b) => (b && (!a || b > a) ? b : a), null);
    const rows = [...this.tables.people_operator_cache.values()];
    return { lastFull: max(rows.map((r) => r.fullSyncedAt)), watermark: max(rows.map((r) => r.sourceUpdatedAt)) };
  }

  seed(
    table: CacheTable,
    id: string,
    data: object,
    options: { active?: boolean; updatedAt?: Date; fullSyncedAt?: Date | null; fetchedAt?: Date } = {},
  ): void {
    const fetchedAt = options.fetchedAt ?? new Date(Date.now() - 10 * 60_000);
    this.tables[table].set(id, {
      data: JSON.stringify({ id, ...data }),
      active: options.active ?? true,
      sourceUpdatedAt: options.updatedAt ?? null,
      fullSyncedAt: options.fullSyncedAt ?? null,
      fetchedAt,
      expiresAt: new Date(fetchedAt.getTime() + HOUR),
    });
  }

  private write(
    table: CacheTable,
    id: string,
    data: object,
    active: boolean,
    stamp: Stamp,
    operator: { sourceUpdatedAt: Date; fullSyncedAt: Date | null } | null = null,
  ): void {
    this.tables[table].set(id, {
      data: JSON.stringify(data),
      active,
      sourceUpdatedAt: operator?.sourceUpdatedAt ?? null,
      fullSyncedAt: operator?.fullSyncedAt ?? null,
      ...stamp,
    });
  }

  private restamp(row: CachedRow | undefined, stamp: Stamp): void {
    if (row) Object.assign(row, stamp);
  }
}

/** What a run made of a cache: each id compared before and after. */
function diff(before: Map<string, CachedRow>, after: Map<string, CachedRow>) {
  const result = {
    inserted: [] as string[],
    updated: [] as string[],
    unchanged: [] as string[],
    deactivated: [] as string[],
    removed: [] as string[],
  };
  for (const [id, row] of after) {
    const old = before.get(id);
    if (!old) result.inserted.push(id);
    else if (old.active && !row.active) result.deactivated.push(id);
    else if (old.data !== row.data || old.active !== row.active) result.updated.push(id);
    else result.unchanged.push(id);
  }
  for (const id of before.keys()) if (!after.has(id)) result.removed.push(id);
  return result;
}

const snapshot = (table: Map<string, CachedRow>) => new Map([...table].map(([id, row]) => [id, { ...row }]));

function service(cache: FakePeopleCache, pages: unknown[][] | Error, fullSyncIntervalMs = 24 * HOUR) {
  const requests: Array<{ path: string; params: Record<string, string> }> = [];
  const client = {
    async *pages(path: string, params: Record<string, string>) {
      requests.push({ path, params });
      if (pages instanceof Error) throw pages;
      for (const page of pages) yield page;
    },
  } as unknown as PeopleClient;
  const logged: Array<{ job: string; rejections: Array<Pick<Rejection, 'recordId' | 'error'>> }> = [];
  const errors = {
    record: async (job: string, rejections: Rejection[]) => void logged.push({ job, rejections }),
  } as unknown as SyncErrorLog;
  const policies = { rules: async () => new Map(), lastChangedAt: async () => null } as unknown as MaskingPolicyService;
  const settings: Record<string, unknown> = {
    PEOPLE_CACHE_TTL_MS: HOUR,
    PEOPLE_FULL_SYNC_INTERVAL_MS: fullSyncIntervalMs,
    PEOPLE_AVAILABILITY_DAYS: 7,
    PEOPLE_HASH_KEY: 'unit',
  };
  const config = { get: (key: string) => settings[key] } as unknown as ConfigService<Environment, true>;
  // the database's transaction, run inline: the fake cache is the only thing written
  const dataSource = {
    options: { type: 'mysql' },
    transaction: (work: (em: EntityManager) => Promise<unknown>) => work({} as EntityManager),
  } as unknown as DataSource;
  const writer = new CacheWriter(dataSource, cache);
  const sync = new PeopleSyncService(
    dataSource,
    client,
    writer,
    cache as unknown as PeopleCacheRepository,
    errors,
    policies,
    config,
    { enabled: false, signal: () => undefined } as unknown as PhaseTelemetry,
  );
  return { sync, requests, logged };
}

const operator = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  employee_no: `E-${id}`,
  name,
  email: null,
  phone: null,
  national_id: null,
  team_ids: [],
  skills: [],
  active: true,
  updated_at: '2026-12-01T08:00:00.000Z',
  ...extra,
});
const cachedOperator = (id: string, name: string) => ({
  employeeNo: `E-${id}`,
  name,
  email: null,
  phone: null,
  nationalId: null,
  teamIds: [],
  skills: [],
});
const run = { signal: new AbortController().signal, manual: false };

describe('PeopleSyncService diffing (against in-memory caches)', () => {
  it('a full operator run inserts the new, updates the changed (the later copy of a repeated record winning), keeps the unchanged and the rejected, and deactivates the gone', async () => {
    const cache = new FakePeopleCache();
    const longAgo = new Date(Date.now() - 48 * HOUR);
    for (const [id, name] of [
      ['a', 'Ann'],
      ['b', 'Bob'],
      ['c', 'Cid'],
      ['d', 'Dee'],
    ]) {
      cache.seed('people_operator_cache', id, cachedOperator(id, name), { fullSyncedAt: longAgo, updatedAt: longAgo });
    }
    cache.seed('people_operator_cache', 'e', cachedOperator('e', 'Eve'), { active: false, fullSyncedAt: longAgo });
    const before = snapshot(cache.tables.people_operator_cache);
    const { sync, requests, logged } = service(cache, [
      [operator('a', 'Ann'), operator('b', 'Bobby')],
      [operator('f', 'Fay'), operator('d', 'Dee', { active: 'yes' }), operator('b', 'Robert')],
    ]);

    const counts = await sync.syncOperators(run);

    expect(requests).toEqual([{ path: '/v1/operators', params: {} }]);
    expect(counts).toEqual({ fetched: 5, rejected: 1, full: 1, upserted: 3, deactivated: 1 });
    expect(diff(before, cache.tables.people_operator_cache)).toEqual({
      inserted: ['f'],
      updated: ['b'],
      unchanged: ['a', 'd', 'e'],
      deactivated: ['c'],
      removed: [],
    });
    const b = cache.tables.people_operator_cache.get('b');
    expect(b && (JSON.parse(b.data) as { name?: unknown }).name).toBe('Robert');
    expect(logged).toEqual([
      {
        job: 'people-sync-operators',
        rejections: [expect.objectContaining({ recordId: 'd', error: 'active must be a boolean' })],
      },
    ]);
  });

  it('an incremental run asks for changes since the newest cached update and deactivates nothing it did not see', async () => {
    const cache = new FakePeopleCache();
    const recent = new Date(Date.now() - HOUR);
    const watermark = new Date('2026-12-01T07:00:00.000Z');
    cache.seed('people_operator_cache', 'a', cachedOperator('a', 'Ann'), {
      fullSyncedAt: recent,
      updatedAt: watermark,
    });
    cache.seed('people_operator_cache', 'c', cachedOperator('c', 'Cid'), {
      fullSyncedAt: recent,
      updatedAt: new Date('2026-11-30T07:00:00.000Z'),
    });
    const before = snapshot(cache.tables.people_operator_cache);
    const { sync, requests } = service(cache, [[operator('a', 'Annie')]]);

    const counts = await sync.syncOperators(run);

    expect(requests[0].params).toEqual({ updated_since: watermark.toISOString() });
    expect(counts).toEqual({ fetched: 1, rejected: 0, full: 0, upserted: 1, deactivated: 0 });
    expect(diff(before, cache.tables.people_operator_cache)).toEqual({
      inserted: [],
      updated: ['a'],
      unchanged: ['c'],
      deactivated: [],
      removed: [],
    });
    expect(cache.tables.people_operator_cache.get('a')?.fullSyncedAt).toEqual(recent);
  });

  it('teams gone upstream are deactivated on every run', async () => {
    const cache = new FakePeopleCache();
    cache.seed('people_team_cache', 't1', { code: 'T1', name: 'Welding' });
    cache.seed('people_team_cache', 't2', { code: 'T2', name: 'Paint' });
    const before = snapshot(cache.tables.people_team_cache);
    const { sync } = service(cache, [
      [
        { id: 't1', code: 'T1', name: 'Welding', active: true },
        { id: 't3', code: 'T3', name: 'QC', active: true },
      ],
    ]);

    expect(await sync.syncTeams(run)).toEqual({ fetched: 2, rejected: 0, upserted: 2, deactivated: 1 });
    expect(diff(before, cache.tables.people_team_cache)).toEqual({
      inserted: ['t3'],
      updated: [],
      unchanged: ['t1'],
      deactivated: ['t2'],
      removed: [],
    });
  });

  it('availability is replaced whole: entries missing from the new answer are removed', async () => {
    const cache = new FakePeopleCache();
    const entry = (id: string, kind: string) => ({
      id,
      operatorId: 'a',
      kind,
      startsAt: new Date('2026-12-07T06:00:00.000Z'),
      endsAt: new Date('2026-12-07T14:00:00.000Z'),
    });
    cache.seed('people_availability_cache', 'x', entry('x', 'shift'));
    cache.seed('people_availability_cache', 'y', entry('y', 'shift'));
    const before = snapshot(cache.tables.people_availability_cache);
    const raw = (id: string, kind: string) => ({
      id,
      operator_id: 'a',
      kind,
      starts_at: '2026-12-07T06:00:00.000Z',
      ends_at: '2026-12-07T14:00:00.000Z',
    });
    const { sync } = service(cache, [[raw('y', 'leave'), raw('z', 'shift')]]);

    expect(await sync.syncAvailability(run)).toEqual({ fetched: 2, rejected: 0, upserted: 2, removed: 1 });
    expect(diff(before, cache.tables.people_availability_cache)).toEqual({
      inserted: ['z'],
      updated: ['y'],
      unchanged: [],
      deactivated: [],
      removed: ['x'],
    });
  });

  it('a run whose fetch fails writes nothing and logs why', async () => {
    const cache = new FakePeopleCache();
    cache.seed('people_team_cache', 't1', { code: 'T1', name: 'Welding' });
    const before = snapshot(cache.tables.people_team_cache);
    const { sync, logged } = service(cache, new Error('People API answered 503'));

    await expect(sync.syncTeams(run)).rejects.toThrow('People API answered 503');
    expect(cache.tables.people_team_cache).toEqual(before);
    expect(logged[0].rejections).toEqual([
      expect.objectContaining({ recordId: null, error: 'run failed, cache left unchanged: People API answered 503' }),
    ]);
  });
});
