import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { DIRECT_CHANGE_ACTOR } from '../src/phases/flags/flags.repository.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { sleep, waitFor } from './support/wait.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { testDbKind, withDataSource } from './support/test-database.js';

const FLAG_REFRESH_MS = 200;
/** Event-loop lag of two apps and a jest worker on a shared machine, plus the poll that observes it. */
const MARGIN_MS = 400;
const FLAG = 'oem_shadow_run';

interface AuditRow {
  key: string;
  old_value: unknown;
  new_value: unknown;
  actor: string;
}

/**
 * The runbook's last resort, "database direct": an operator's UPDATE on feature_flag, with no
 * version bump. Two running replicas must both see it within FLAG_REFRESH_MS, and the flag
 * audit must record it exactly once, as actor `database`.
 */
describe('a flag changed directly in the database', () => {
  let a: TestApp;
  let b: TestApp;
  const env = { JOBS_ENABLED: 'false', FLAG_REFRESH_MS: String(FLAG_REFRESH_MS) };
  const change = { actor: 'test', reason: 'direct sql suite' };

  beforeAll(async () => {
    a = await startTestApp(env);
    b = await startTestApp({ ...env, MIGRATE_ON_START: 'false' }, a.db);
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /** What the runbook tells the operator to run, on a connection of its own. */
  const direct = (enabled: boolean) =>
    withDataSource(a.db, (ds) =>
      ds.query(`UPDATE feature_flag SET enabled = ? WHERE \`key\` = ?`, [enabled ? 1 : 0, FLAG]),
    );
  const databaseAudit = async (): Promise<AuditRow[]> =>
    a.app
      .get(DataSource)
      .query(`SELECT \`key\`, old_value, new_value, actor FROM feature_flag_audit WHERE actor = ? ORDER BY id`, [
        DIRECT_CHANGE_ACTOR,
      ]);
  const both = (enabled: boolean) => [a, b].every((r) => r.app.get(FlagsService).isEnabled(FLAG) === enabled);

  it(`is seen by both running replicas within FLAG_REFRESH_MS (${FLAG_REFRESH_MS} ms) plus ${MARGIN_MS} ms, and audited once as actor "database"`, async () => {
    await a.app.get(FlagsService).set(FLAG, true, change);
    await waitFor(async () => both(true), 5000);
    const before = (await databaseAudit()).length;

    const changedAt = Date.now();
    await direct(false);
    await waitFor(async () => both(false), 5000);
    expect(Date.now() - changedAt).toBeLessThan(FLAG_REFRESH_MS + MARGIN_MS);

    // every replica has polled several times since: still one row
    await sleep(FLAG_REFRESH_MS * 4);
    const rows = (await databaseAudit()).slice(before);
    expect(rows.map((r) => ({ ...r, old_value: Number(r.old_value), new_value: Number(r.new_value) }))).toEqual([
      { key: FLAG, old_value: 1, new_value: 0, actor: 'database' },
    ]);
    const trail = await a.http().get(`/api/v1/admin/flags/audit?key=${FLAG}`).set(a.auth(Role.Admin)).expect(200);
    expect(trail.body[0]).toMatchObject({ key: FLAG, actor: 'database', oldValue: true, newValue: false });
    expect(trail.body[0].reason).toMatch(/changed directly in the database/);
  });

  it('is audited exactly once when both replicas see it at the same tick', async () => {
    const before = (await databaseAudit()).length;
    for (const enabled of [true, false, true, false]) {
      await direct(enabled);
      // on MariaDB the two claims really race (the loser waits for the row lock, then matches nothing);
      // two apps in one process share SQLite's single writer, so there they take turns
      if (testDbKind() === 'mysql') await Promise.all([a, b].map((r) => r.app.get(FlagsService).refresh()));
      else for (const r of [a, b]) await r.app.get(FlagsService).refresh();
      expect(both(enabled)).toBe(true);
    }
    await sleep(FLAG_REFRESH_MS * 4);
    const rows = (await databaseAudit()).slice(before);
    expect(rows.map((r) => Number(r.new_value))).toEqual([1, 0, 1, 0]);
    expect(rows.map((r) => Number(r.old_value))).toEqual([0, 1, 0, 1]);
  });

  it('changes made through the API are not audited a second time', async () => {
    const before = (await databaseAudit()).length;
    await a.app.get(FlagsService).set(FLAG, true, change);
    await b.app.get(FlagsService).set(FLAG, false, change);
    await sleep(FLAG_REFRESH_MS * 4);
    expect(both(false)).toBe(true);
    expect((await databaseAudit()).length).toBe(before);
  });
});
