import { DataSource } from 'typeorm';
import { Role } from '../../src/common/auth/role.js';
import type { EnvironmentInput } from '../../src/config/environment.js';
import { PEOPLE_FLAG } from '../../src/people/people.schema.js';
import { FlagsService } from '../../src/phases/flags/flags.service.js';
import type { PeopleSim, SimOperator } from '../../scripts/people-api-sim.js';
import { startTestApp, type TestApp } from './test-app.js';
import { tableNames } from './db-fingerprint.js';
import type { TestDatabase } from './test-database.js';

/** Phase 9 suites: an app pointed at a simulator, with quick timeouts and backoffs. */
export function peopleEnv(sim: PeopleSim, overrides: EnvironmentInput = {}): EnvironmentInput {
  return {
    JOBS_ENABLED: 'false',
    PEOPLE_API_URL: sim.url,
    PEOPLE_API_TOKEN: sim.token,
    PEOPLE_API_TIMEOUT_MS: '1000',
    PEOPLE_API_MAX_RETRIES: '3',
    PEOPLE_API_BACKOFF_MS: '20',
    PEOPLE_API_BACKOFF_MAX_MS: '1500',
    PEOPLE_API_PAGE_SIZE: '100',
    PEOPLE_HASH_KEY: 'test-hash-key',
    ...overrides,
  };
}

export async function startPeopleApp(
  sim: PeopleSim,
  overrides: EnvironmentInput = {},
  db?: TestDatabase,
): Promise<TestApp> {
  const t = await startTestApp(peopleEnv(sim, overrides), db);
  await t.app.get(FlagsService).set(PEOPLE_FLAG, true, { actor: 'test', reason: 'people suite' });
  return t;
}

export interface RunResult {
  status: 'succeeded' | 'failed';
  counts: Record<string, number> | null;
  error: string | null;
}

export async function runSync(t: TestApp, job: string): Promise<RunResult> {
  const res = await t.http().post('/api/v1/people/sync/run').set(t.auth(Role.Admin)).send({ job }).expect(200);
  return res.body as RunResult;
}

/** phase_fallback_total of Phase 9 for one operation and reason, as /metrics exports it. */
export async function peopleFallbacks(t: TestApp, operation: string, reason: string): Promise<number> {
  const text = (await t.http().get('/metrics').expect(200)).text;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`phase_fallback_total{phase="9",operation="${operation}",reason="${reason}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

export function dataSourceOf(t: TestApp): DataSource {
  return t.app.get(DataSource);
}

/** Every row of a table, ordered by its first column, as plain JSON: equal snapshots mean an untouched table. */
export async function snapshot(ds: DataSource, table: string): Promise<string> {
  const rows: Array<Record<string, unknown>> = await ds.query(`SELECT * FROM ${table} ORDER BY 1`);
  return JSON.stringify(rows);
}

/**
 * Every text value in every column of every table that contains a raw email, phone or
 * national id of the simulator's operators: the shapes are found by pattern, then checked
 * against the real values, so the scan stays linear in the data.
 */
export async function findRawPersonalData(ds: DataSource, operators: SimOperator[]): Promise<string[]> {
  const raw = new Set(operators.flatMap((o) => [o.email, o.phone, o.national_id]));
  const shapes = [/[a-z]+\.[a-z]+\.\d+@people\.example/g, /\+1-555-\d{3}-\d{4}/g, /NID-\d{9}-\d{6}/g];
  const hits: string[] = [];
  for (const table of await tableNames(ds)) {
    const rows: Array<Record<string, unknown>> = await ds.query(`SELECT * FROM \`${table}\``);
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : null;
        if (text === null) continue;
        const found = raw.has(text) || shapes.some((shape) => (text.match(shape) ?? []).some((m) => raw.has(m)));
        if (found) hits.push(`${table}.${column}`);
      }
    }
  }
  return hits;
}
