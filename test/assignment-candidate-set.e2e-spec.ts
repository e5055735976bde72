import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Phase7CandidateSetColumn1764000720000 } from '../migrations/1764000720000-Phase7-CandidateSetColumn.js';
import { AssignmentLogRepository, type LogDraft } from '../src/assignment/assignment-log.repository.js';
import { ASSIGNMENT_RETENTION } from '../src/assignment/assignment.retention.js';
import { PHASE_7_SCHEMA } from '../src/assignment/assignment.schema.js';
import { AssignmentMethod } from '../src/assignment/entities/assignment-log.entity.js';
import { dialectOf, toDbTime } from '../src/database/dialect.js';
import { inTransaction } from '../src/database/transaction.js';
import { BackupService } from '../src/phases/backup/backup.service.js';
import { RestoreService } from '../src/phases/backup/restore.service.js';
import { RetentionRepository } from '../src/phases/retention/retention.repository.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SETS = ASSIGNMENT_RETENTION.find((p) => p.table === 'assignment_candidate_set')!;
const hash = (c: string) => c.repeat(64);
const compact = (set: string) => `{"set":"${set}","ranked":[[0,1,null]]}`;
/** What retention's DELETE of candidate sets runs, its eligibility as RetentionRepository builds it from SETS. */
const DELETE_SETS = `DELETE FROM assignment_candidate_set WHERE assignment_candidate_set.hash IN (?) AND 1 = 1 AND NOT EXISTS (SELECT 1 FROM assignment_log r WHERE r.candidate_set = assignment_candidate_set.hash)`;

describe("Phase 7: each decision's candidate set in an indexed column", () => {
  let t: TestApp;
  let db: DataSource;
  const backupDir = mkdtempSync(join(tmpdir(), 'phasegate-candidate-set-'));

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false', BACKUP_DIR: backupDir });
    db = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t.close();
    rmSync(backupDir, { recursive: true, force: true });
  });

  const setsLeft = async () =>
    (await db.query(`SELECT hash FROM assignment_candidate_set ORDER BY hash`)).map((r: { hash: string }) => r.hash);
  const decide = (set: string | null): LogDraft => ({
    tokenId: 1,
    jobId: 1,
    nodeId: 1,
    accountId: null,
    teamId: null,
    method: AssignmentMethod.Auto,
    reason: null,
    candidatesJson: set === null ? '[]' : compact(set),
    directory: 'local',
    decidedAt: new Date(),
    durationUs: 10,
  });

  it('the migration fills the column of rows written before it, in id ranges; its down() alone drops it', async () => {
    const qr = db.createQueryRunner();
    const migration = new Phase7CandidateSetColumn1764000720000();
    try {
      await migration.down(qr);
      expect(await qr.hasColumn('assignment_log', 'candidate_set')).toBe(false);
      const at = toDbTime(new Date());
      // the last id lies beyond the first range of 5,000
      for (const [id, text] of [
        [1, compact(hash('a'))],
        [2, compact(hash('b'))],
        [3, '[[7,null,1,"job",1,0,null,[]]]'],
        [12_345, compact(hash('a'))],
      ] as const)
        await qr.query(
          `INSERT INTO assignment_log (id, token_id, job_id, node_id, account_id, team_id, method, reason, candidates, directory, decided_at, duration_us) VALUES (?, 1, 1, 1, NULL, NULL, 'auto', NULL, ?, 'local', ?, 10)`,
          [id, text, at],
        );
      await migration.up(qr);
      const rows = await qr.query(`SELECT id, candidate_set AS s FROM assignment_log ORDER BY id`);
      expect(rows.map((r: { id: unknown; s: string | null }) => [Number(r.id), r.s])).toEqual([
        [1, hash('a')],
        [2, hash('b')],
        [3, null],
        [12_345, hash('a')],
      ]);
    } finally {
      await qr.release();
    }
  });

  it('retention deletes only the sets no row references, checked in the DELETE itself', async () => {
    for (const c of ['x', 'y', 'z'])
      await db.query(`INSERT INTO assignment_candidate_set (hash, candidates) VALUES (?, '{}')`, [hash(c)]);
    const logs = t.app.get(AssignmentLogRepository);
    await inTransaction(db, (em) => logs.append(em, [decide(hash('x')), decide(null)]));
    const retention = t.app.get(RetentionRepository);
    const now = new Date();
    const listed = (await retention.eligible(SETS, now, undefined, 100)).map((r) => r.hash);
    expect(listed).toEqual([hash('y'), hash('z')]);
    // a decision references y after the listing: the DELETE's own check keeps it
    await inTransaction(db, (em) => logs.append(em, [decide(hash('y'))]));
    expect(await inTransaction(db, (em) => retention.deleteEligible(em, SETS, now, listed))).toBe(1);
    expect(await setsLeft()).toEqual([hash('x'), hash('y')]);
  });

  it("the DELETE's check is a probe of the candidate_set index", async () => {
    const mysql = dialectOf(db) === 'mysql';
    const plan: Array<Record<string, unknown>> = await db.query(
      `${mysql ? 'EXPLAIN' : 'EXPLAIN QUERY PLAN'} ${DELETE_SETS}`,
      [hash('x')],
    );
    const probes = plan.filter((row) =>
      mysql
        ? row.table === 'r' && row.key === 'idx_assignment_log_candidate_set'
        : /SEARCH r USING .*INDEX idx_assignment_log_candidate_set/.test(String(row.detail)),
    );
    expect({ plan, probes: probes.length }).toMatchObject({ probes: 1 });
  });

  it('a backup taken before the column existed still covers the log, and a restore from it fills the column', async () => {
    const qr = db.createQueryRunner();
    const migration = new Phase7CandidateSetColumn1764000720000();
    const setsOf = async () =>
      (await db.query(`SELECT id, candidate_set AS s FROM assignment_log ORDER BY id`)).map(
        (r: { id: unknown; s: string | null }) => [Number(r.id), r.s],
      );
    try {
      await db.query(`DELETE FROM assignment_log`);
      await inTransaction(db, (em) =>
        t.app.get(AssignmentLogRepository).append(em, [decide(hash('c')), decide(null), decide(hash('d'))]),
      );
      const written = await setsOf();
      await migration.down(qr);
      const old = await t.app.get(BackupService).backup(PHASE_7_SCHEMA, 'test');
      await migration.up(qr);
      // a backup taken now holds the same log: the derived column is left out of it
      const now = await t.app.get(BackupService).backup(PHASE_7_SCHEMA, 'test');
      const logItem = (items: typeof old.items) => items.find((i) => i.table === 'assignment_log')!;
      expect(logItem(now.items)).toMatchObject({ rows: 3, sha256: logItem(old.items).sha256 });
      expect(readFileSync(join(now.location, logItem(now.items).file), 'utf8')).not.toMatch(/candidate_set/);

      await db.query(`DELETE FROM assignment_log`);
      await t.app.get(RestoreService).restore(old.location);
      expect(await setsOf()).toEqual(written);
      expect(written.map(([, s]: [number, string | null]) => s)).toEqual([hash('c'), null, hash('d')]);
    } finally {
      await qr.release();
    }
  });
});
