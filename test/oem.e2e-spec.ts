import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { dialectOf } from '../src/database/dialect.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { TokenLifecycleService } from '../src/production/token-lifecycle.service.js';
import { createLine, startJob, tokensOf, type Line } from './production-fixtures.js';
import { sleep, waitFor } from './support/wait.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { inTransaction } from '../src/database/transaction.js';

const WINDOW_MS = 300;
const RULES_REFRESH_MS = 200;
const ACME = '^OEM-ACME-(?P<ref>PO-\\d+)-S(?P<seq>\\d+)$';
const STEPS = [
  { sequence: 1, name: 'Kit', nodeCode: 'S' },
  { sequence: 2, name: 'Assemble', nodeCode: 'A' },
  { sequence: 3, name: 'Check', nodeCode: 'Q' },
  { sequence: 4, name: 'Pack', nodeCode: 'P' },
];

describe('Phase 8 OEM: tickets, rules, OEM scans', () => {
  let t: TestApp;
  let line: Line;
  const sup = () => t.auth(Role.Supervisor);
  const flag = (key: string, on: boolean) =>
    t.app.get(FlagsService).set(key, on, { actor: 'test', reason: 'oem suite' });
  const scan = (stationCode: string, barcode: string, outcome?: string) =>
    t
      .http()
      .post('/api/v1/scans')
      .set(t.auth(Role.Station))
      .send({ stationCode, barcode, ...(outcome ? { outcome } : {}) });
  const ticket = async (id: number) =>
    (await t.http().get(`/api/v1/oem/tickets/${id}`).set(t.auth(Role.Viewer)).expect(200)).body;
  const createTicket = (body: Record<string, unknown>) => t.http().post('/api/v1/oem/tickets').set(sup()).send(body);
  const createRule = (body: Record<string, unknown>) => t.http().post('/api/v1/oem/rules').set(sup()).send(body);
  let jobSeq = 0;
  /** A spawned one-piece job on the line and an ACME ticket mapped onto it. */
  const mappedTicket = async (
    ref: string,
    steps: Array<{ sequence: number; name: string; nodeCode?: string }> = STEPS,
  ) => {
    const jobId = await startJob(t, line.graphId, `OJ-${++jobSeq}`, 1);
    const res = await createTicket({
      customer: 'ACME',
      externalRef: ref,
      jobId,
      dueAt: '2030-01-01T00:00:00Z',
      steps,
    }).expect(201);
    return { id: res.body.id as number, jobId };
  };

  beforeAll(async () => {
    t = await startTestApp({ SCAN_DEDUP_WINDOW_MS: String(WINDOW_MS), OEM_RULES_REFRESH_MS: String(RULES_REFRESH_MS) });
    line = await createLine(t, 'OEM-LINE');
    for (const stationCode of ['ST-S', 'ST-A', 'ST-Q', 'ST-P'])
      await createRule({ customer: 'ACME', stationCode, pattern: ACME, action: 'advance', priority: 5 }).expect(201);
  });
  afterAll(() => t.close());

  describe('tickets', () => {
    it('validates steps: unique, contiguous from 1, mapped nodes in the job graph, mapping needs a job', async () => {
      const jobId = await startJob(t, line.graphId, 'OJ-VAL', 1, false);
      const base = { customer: 'ACME', externalRef: 'PO-VAL', jobId };
      const fields = async (steps: unknown[], extra: Record<string, unknown> = {}) => {
        const res = await createTicket({ ...base, ...extra, steps }).expect(400);
        return res.body.errors.map((e: { field: string; messages: string[] }) => `${e.field}: ${e.messages.join()}`);
      };
      expect(
        await fields([
          { sequence: 1, name: 'a' },
          { sequence: 1, name: 'b' },
        ]),
      ).toEqual(['steps: step sequences must be unique; repeated: 1']);
      expect(
        await fields([
          { sequence: 1, name: 'a' },
          { sequence: 3, name: 'b' },
        ]),
      ).toEqual(['steps: step sequences must run 1..2 without gaps; got 1, 3']);
      expect(await fields([{ sequence: 2, name: 'a' }])).toEqual([
        'steps: step sequences must run 1..1 without gaps; got 2',
      ]);
      expect(await fields([{ sequence: 1, name: 'a', nodeCode: 'NOPE' }])).toEqual([
        `steps.0.nodeCode: node NOPE does not exist in the graph of job ${jobId}`,
      ]);
      expect(await fields([{ sequence: 1, name: 'a', nodeCode: 'A' }], { jobId: undefined })).toEqual([
        'steps.0.nodeCode: a step mapped to a node needs the ticket linked to a job (jobId)',
      ]);
      await createTicket({ ...base, steps: [] }).expect(400);
      await createTicket({ ...base, jobId: 999_999, steps: [{ sequence: 1, name: 'a' }] }).expect(404);

      const created = await createTicket({
        ...base,
        steps: [
          { sequence: 2, name: 'second', nodeCode: 'A' },
          { sequence: 1, name: 'first' },
        ],
      }).expect(201);
      expect(created.body).toMatchObject({
        customer: 'ACME',
        externalRef: 'PO-VAL',
        jobId,
        status: 'open',
        currentSequence: 1,
        stepCount: 2,
      });
      expect(created.body.steps).toEqual([
        { sequence: 1, name: 'first', nodeCode: null, status: 'pending', scannedAt: null, stationCode: null },
        { sequence: 2, name: 'second', nodeCode: 'A', status: 'pending', scannedAt: null, stationCode: null },
      ]);
      expect((await createTicket({ ...base, steps: [{ sequence: 1, name: 'a' }] }).expect(409)).body.code).toBe(
        'CONFLICT',
      );
      expect(
        (await createTicket({ ...base, externalRef: 'PO-OTHER', steps: [{ sequence: 1, name: 'a' }] }).expect(409)).body
          .code,
      ).toBe('CONFLICT');
    });

    it('lists by customer and status a page at a time, and cancels once', async () => {
      const ids: number[] = [];
      for (const ref of ['PO-L1', 'PO-L2', 'PO-L3'])
        ids.push(
          (
            await createTicket({ customer: 'LISTCO', externalRef: ref, steps: [{ sequence: 1, name: 'x' }] }).expect(
              201,
            )
          ).body.id,
        );
      const viewer = t.auth(Role.Viewer);
      const first = await t.http().get('/api/v1/oem/tickets?customer=LISTCO&limit=2').set(viewer).expect(200);
      expect(first.body.items.map((i: { externalRef: string }) => i.externalRef)).toEqual(['PO-L3', 'PO-L2']);
      const second = await t
        .http()
        .get(`/api/v1/oem/tickets?customer=LISTCO&limit=2&cursor=${first.body.nextCursor}`)
        .set(viewer)
        .expect(200);
      expect(second.body).toMatchObject({ items: [{ externalRef: 'PO-L1' }], nextCursor: null });

      expect((await t.http().post(`/api/v1/oem/tickets/${ids[0]}/cancel`).set(sup()).expect(200)).body.status).toBe(
        'cancelled',
      );
      expect((await t.http().post(`/api/v1/oem/tickets/${ids[0]}/cancel`).set(sup()).expect(409)).body.code).toBe(
        'INVALID_STATE',
      );
      const open = await t.http().get('/api/v1/oem/tickets?customer=LISTCO&status=open').set(viewer).expect(200);
      expect(open.body.items).toHaveLength(2);
      await t.http().post('/api/v1/oem/tickets').set(t.auth(Role.Operator)).send({}).expect(403);
      await t.http().get('/api/v1/oem/tickets/999999').set(viewer).expect(404);
    });
  });

  describe('rules', () => {
    it('CRUD, with patterns compiled on save: a pattern that cannot compile or names the ticket wrongly is a 400', async () => {
      const bad = async (pattern: string) =>
        (await createRule({ customer: 'X', stationCode: 'ST-X', pattern, action: 'advance' }).expect(400)).body
          .errors[0].messages[0];
      expect(await bad('^(?P<ref>[A-Z+$')).toMatch(/does not compile as an RE2 pattern/);
      expect(await bad('^(?P<ref>a)\\1$')).toMatch(/does not compile/); // backreference: needs backtracking
      expect(await bad('^(?=x)(?P<ref>a)$')).toMatch(/does not compile/); // lookahead
      expect(await bad('^(?P<ref>a)(?P<nope>b)$')).toMatch(/unknown groups nope/);
      expect(await bad('^[A-Z]+$')).toMatch(/exactly one of the groups/);
      expect(await bad('^(?P<ref>a)(?P<job>b)$')).toMatch(/exactly one of the groups/);
      expect(await bad(`(?P<ref>${'a'.repeat(200)})`)).toMatch(/200 characters/);
      expect(await bad('(?P<ref>((a{100}){100}){100})')).toMatch(/does not compile|too complex/);

      const created = await createRule({
        customer: 'X',
        stationCode: 'ST-X',
        pattern: '^X-(?P<ref>\\d+)$',
        action: 'complete',
        priority: 3,
      }).expect(201);
      expect(created.body).toMatchObject({
        customer: 'X',
        stationCode: 'ST-X',
        action: 'complete',
        priority: 3,
        active: true,
      });
      const id = created.body.id;
      const patched = await t
        .http()
        .patch(`/api/v1/oem/rules/${id}`)
        .set(sup())
        .send({ active: false, priority: 4 })
        .expect(200);
      expect(patched.body).toMatchObject({ active: false, priority: 4, pattern: '^X-(?P<ref>\\d+)$' });
      await t.http().patch(`/api/v1/oem/rules/${id}`).set(sup()).send({ pattern: '(' }).expect(400);
      // left out is unchanged; null is refused, not written into a NOT NULL column
      const nulled = await t.http().patch(`/api/v1/oem/rules/${id}`).set(sup()).send({ customer: null }).expect(400);
      expect(nulled.body.errors.map((e: { field: string }) => e.field)).toEqual(['customer']);
      const listed = await t.http().get('/api/v1/oem/rules?stationCode=ST-X').set(t.auth(Role.Viewer)).expect(200);
      expect(listed.body.map((r: { id: number }) => r.id)).toEqual([id]);
      await t.http().delete(`/api/v1/oem/rules/${id}`).set(sup()).expect(204);
      await t.http().get(`/api/v1/oem/rules/${id}`).set(t.auth(Role.Viewer)).expect(404);
    });

    it('no pattern can hang the process: a classic catastrophic pattern on a hostile barcode answers at once', async () => {
      await flag('enable_oem_mode', true);
      const rule = await createRule({
        customer: 'EVIL',
        stationCode: 'ST-EVIL',
        pattern: '^(?P<ref>(a+)+)$',
        action: 'advance',
      }).expect(201);
      const hostile = `${'a'.repeat(110)}!`;
      const started = Date.now();
      // a backtracking engine needs ~2^110 steps here; RE2 rejects it in one pass, and the barcode is no token serial either
      const res = await scan('ST-EVIL', hostile).expect(404);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.body.code).toBe('NOT_FOUND');
      await t.http().delete(`/api/v1/oem/rules/${rule.body.id}`).set(sup()).expect(204);
      await flag('enable_oem_mode', false);
    });
  });

  describe('OEM mode', () => {
    beforeAll(() => flag('enable_oem_mode', true));
    afterAll(() => flag('enable_oem_mode', false));

    it('a full flow: each step started and completed by scans, the linked token routed through the graph to the end', async () => {
      const { id, jobId } = await mappedTicket('PO-100');
      const [token] = await tokensOf(t, jobId);
      const expected: Array<[string, string, string, string]> = [];
      for (const [i, step] of STEPS.entries()) {
        const station = `ST-${step.nodeCode}`;
        const barcode = `OEM-ACME-PO-100-S${step.sequence}`;
        const started = await scan(station, barcode).expect(200);
        expect(started.body).toMatchObject({
          handledBy: 'oem',
          action: 'step_started',
          duplicate: false,
          token: { id: token.id, status: 'in_progress', nodeCode: step.nodeCode },
        });
        if (i === 0) {
          // a repeat inside the window: the first answer again, nothing advanced
          const repeat = await scan(station, barcode).expect(200);
          expect(repeat.body).toMatchObject({
            duplicate: true,
            action: 'step_started',
            token: { version: started.body.token.version },
          });
          expect((await ticket(id)).steps[0].status).toBe('active');
        }
        await sleep(WINDOW_MS + 50);
        const done = await scan(station, barcode).expect(200);
        const next = STEPS[i + 1]?.nodeCode ?? 'E';
        expect(done.body).toMatchObject({
          handledBy: 'oem',
          action: 'step_completed',
          fromNodeCode: step.nodeCode,
          token: { nodeCode: next },
        });
        expected.push([step.name, 'done', station, next]);
      }
      const final = await ticket(id);
      expect(final).toMatchObject({ status: 'done', currentSequence: null });
      expect(
        final.steps.map((s: { name: string; status: string; stationCode: string }) => [
          s.name,
          s.status,
          s.stationCode,
        ]),
      ).toEqual(expected.map((e) => e.slice(0, 3)));
      expect(final.steps.every((s: { scannedAt: string | null }) => s.scannedAt !== null)).toBe(true);
      const [after] = await tokensOf(t, jobId);
      expect(after).toMatchObject({ status: 'done', nodeCode: 'E' });
      expect((await t.http().get(`/api/v1/jobs/${jobId}`).set(t.auth(Role.Viewer)).expect(200)).body.status).toBe(
        'done',
      );
      // a finished ticket takes no more scans
      await sleep(WINDOW_MS + 50);
      expect((await scan('ST-P', 'OEM-ACME-PO-100-S4').expect(409)).body.code).toBe('INVALID_STATE');
    });

    it('a cancel committed while a scan is under way wins: the scan changes nothing', async () => {
      const { id, jobId } = await mappedTicket('PO-150');
      await scan('ST-S', 'OEM-ACME-PO-150-S1').expect(200);
      await sleep(WINDOW_MS + 50);
      await scan('ST-S', 'OEM-ACME-PO-150-S1').expect(200); // step 1 done: the ticket is in progress, step 2 pending
      const db = t.app.get(DataSource);
      const before = { token: await tokensOf(t, jobId), steps: (await ticket(id)).steps };
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      // the cancel's own transaction, held open while the scan reads the ticket and moves its token
      const cancel = inTransaction(db, async (m) => {
        await m.query(`UPDATE oem_job_ticket SET status = 'cancelled', version = version + 1 WHERE id = ?`, [id]);
        await released;
      });
      let answered = false;
      const scanned = scan('ST-A', 'OEM-ACME-PO-150-S2').then((res) => ((answered = true), res));
      if (dialectOf(db) === 'mysql') {
        // commit only once the scan waits on the ticket row, in its token's UPDATE (or has answered, which is the bug)
        const waiting = async () =>
          Number(
            (
              await db.query(
                `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE %oem\\_job\\_ticket%'`,
              )
            )[0].n,
          ) > 0;
        await waitFor(async () => answered || (await waiting()), 10_000);
      }
      release();
      await cancel;
      const res = await scanned;
      expect(res.status).toBe(409);
      // SQLite runs one transaction at a time, so there the scan reads the ticket already cancelled
      expect(res.body.code).toBe(dialectOf(db) === 'mysql' ? 'CONCURRENT_UPDATE' : 'INVALID_STATE');
      expect(await tokensOf(t, jobId)).toEqual(before.token);
      expect(await ticket(id)).toMatchObject({ status: 'cancelled', steps: before.steps });
    });

    it('out of order: 409 STEP_OUT_OF_ORDER, nothing changes and nothing is remembered', async () => {
      const { id, jobId } = await mappedTicket('PO-200');
      const res = await scan('ST-A', 'OEM-ACME-PO-200-S2').expect(409);
      expect(res.body).toMatchObject({ code: 'STEP_OUT_OF_ORDER', expectedSequence: 1, scannedSequence: 2 });
      expect((await ticket(id)).steps.map((s: { status: string }) => s.status)).toEqual([
        'pending',
        'pending',
        'pending',
        'pending',
      ]);
      expect((await tokensOf(t, jobId))[0]).toMatchObject({ status: 'waiting', nodeCode: 'S' });

      await scan('ST-S', 'OEM-ACME-PO-200-S1').expect(200);
      await sleep(WINDOW_MS + 50);
      await scan('ST-S', 'OEM-ACME-PO-200-S1').expect(200);
      // the same barcode that was refused a moment ago now is in order: the refusal was not kept as a scan
      expect((await scan('ST-A', 'OEM-ACME-PO-200-S2').expect(200)).body).toMatchObject({
        action: 'step_started',
        token: { nodeCode: 'A' },
      });
      await sleep(WINDOW_MS + 50);
      expect((await scan('ST-S', 'OEM-ACME-PO-200-S1').expect(409)).body.code).toBe('STEP_OUT_OF_ORDER');
    });

    it('a step mapped to a node the token has not reached is out of order', async () => {
      const { id, jobId } = await mappedTicket('PO-250', [
        { sequence: 1, name: 'Paperwork' },
        { sequence: 2, name: 'Assemble', nodeCode: 'A' },
      ]);
      expect((await scan('ST-S', 'OEM-ACME-PO-250-S1').expect(200)).body).toMatchObject({
        action: 'step_started',
        token: null,
      });
      await sleep(WINDOW_MS + 50);
      expect((await scan('ST-S', 'OEM-ACME-PO-250-S1').expect(200)).body).toMatchObject({
        action: 'step_completed',
        token: null,
      });
      const res = await scan('ST-A', 'OEM-ACME-PO-250-S2').expect(409);
      const [token] = await tokensOf(t, jobId);
      expect(res.body).toMatchObject({ code: 'STEP_OUT_OF_ORDER', nodeCode: 'A', tokenId: token.id });
      expect((await ticket(id)).currentSequence).toBe(2);
    });

    it("moves the job's token at the step's node, not its first; a job with none in production is refused", async () => {
      const jobId = await startJob(t, line.graphId, `OJ-${++jobSeq}`, 2);
      const [ahead, behind] = (await tokensOf(t, jobId)).sort((a, b) => a.id - b.id);
      // the job's first token goes on to A by manual scans of its serial
      await scan('ST-S', ahead.serial).expect(200);
      await sleep(WINDOW_MS + 50);
      expect((await scan('ST-S', ahead.serial).expect(200)).body).toMatchObject({ token: { nodeCode: 'A' } });
      await createTicket({ customer: 'ACME', externalRef: 'PO-260', jobId, steps: STEPS }).expect(201);
      expect((await scan('ST-S', 'OEM-ACME-PO-260-S1').expect(200)).body).toMatchObject({
        action: 'step_started',
        token: { id: behind.id, nodeCode: 'S', status: 'in_progress' },
      });

      const unspawned = await startJob(t, line.graphId, `OJ-${++jobSeq}`, 1, false);
      await createTicket({ customer: 'ACME', externalRef: 'PO-261', jobId: unspawned, steps: STEPS }).expect(201);
      expect((await scan('ST-S', 'OEM-ACME-PO-261-S1').expect(409)).body).toMatchObject({
        code: 'INVALID_STATE',
        jobId: unspawned,
      });
    });

    it('rule priority: the higher rule wins; switched off, the next one takes the scan', async () => {
      const { id } = await mappedTicket('PO-300');
      const high = await createRule({
        customer: 'ACME',
        stationCode: 'ST-S',
        pattern: '^OEM-ACME-(?P<ref>PO-300)-S(?P<seq>\\d+)$',
        action: 'complete',
        priority: 50,
      }).expect(201);
      expect((await scan('ST-S', 'OEM-ACME-PO-300-S1').expect(200)).body).toMatchObject({
        action: 'step_completed',
        token: { nodeCode: 'A' },
      });
      await t.http().patch(`/api/v1/oem/rules/${high.body.id}`).set(sup()).send({ active: false }).expect(200);
      expect((await scan('ST-A', 'OEM-ACME-PO-300-S2').expect(200)).body).toMatchObject({ action: 'step_started' });
      expect((await ticket(id)).steps.map((s: { status: string }) => s.status)).toEqual([
        'done',
        'active',
        'pending',
        'pending',
      ]);
    });

    it('an OEM-looking barcode no rule takes: 422 NO_RULE, the scan is on record and a repeat gets the same answer', async () => {
      const res = await scan('ST-A', 'OEM-NOBODY-1').expect(422);
      expect(res.body).toMatchObject({ code: 'NO_RULE', stationCode: 'ST-A', duplicate: false });
      const repeat = await scan('ST-A', 'OEM-NOBODY-1').expect(422);
      expect(repeat.body).toMatchObject({ code: 'NO_RULE', duplicate: true });
      const [record] = await t.app
        .get(DataSource)
        .query(`SELECT result FROM scan_record WHERE station_code = ? AND barcode = ?`, ['ST-A', 'OEM-NOBODY-1']);
      expect(JSON.parse(record.result)).toMatchObject({
        handledBy: 'oem',
        action: 'refused',
        refusal: { code: 'NO_RULE' },
      });
      // a barcode of an ACME ticket scanned at a station without ACME rules is OEM-looking by another station's rule
      await mappedTicket('PO-400');
      expect((await scan('ST-R', 'OEM-ACME-PO-400-S1').expect(422)).body).toMatchObject({
        code: 'NO_RULE',
        ruleStation: 'ST-S',
      });
    });

    it('a token serial no rule takes goes the manual way; an unexpected OEM failure falls back to it too', async () => {
      const jobId = await startJob(t, line.graphId, 'PLAIN-1', 1);
      const [token] = await tokensOf(t, jobId);
      expect((await scan('ST-S', token.serial).expect(200)).body).toMatchObject({
        handledBy: 'manual',
        action: 'started',
      });
      // a stored pattern that no longer compiles (written behind the API's back) makes the OEM path throw,
      // once the rule snapshot is older than OEM_RULES_REFRESH_MS
      await t.app
        .get(DataSource)
        .query(
          `INSERT INTO oem_scan_rule (customer, station_code, pattern, action, priority, active, created_at, updated_at) VALUES ('BROKEN', 'ST-S', '(', 'advance', 0, 1, '2030-01-01 00:00:00.000', '2030-01-01 00:00:00.000')`,
        );
      await sleep(Math.max(WINDOW_MS, RULES_REFRESH_MS) + 50);
      const metrics = async () =>
        (await t.http().get('/metrics').expect(200)).text.match(
          /phase_fallback_total\{phase="8",operation="oem_scan",reason="error"\} (\d+)/,
        )?.[1] ?? '0';
      const before = Number(await metrics());
      expect((await scan('ST-S', token.serial).expect(200)).body).toMatchObject({
        handledBy: 'manual',
        action: 'completed',
      });
      expect(Number(await metrics())).toBe(before + 1);
      await t.app.get(DataSource).query(`DELETE FROM oem_scan_rule WHERE customer = 'BROKEN'`);
    });

    it('an unexpected failure after OEM writes began fails the whole scan: nothing is kept, and the manual path does not run on top', async () => {
      const { id, jobId } = await mappedTicket('PO-600');
      const [token] = await tokensOf(t, jobId);
      const before = await ticket(id);
      const lifecycle = t.app.get(TokenLifecycleService);
      const startWithin = lifecycle.startWithin.bind(lifecycle);
      // the token's UPDATE and its event are written, then something unexpected happens
      lifecycle.startWithin = async (...args) => {
        await startWithin(...args);
        throw new Error('injected after the token moved');
      };
      try {
        expect((await scan('ST-S', 'OEM-ACME-PO-600-S1').expect(500)).body.code).toBe('INTERNAL');
      } finally {
        lifecycle.startWithin = startWithin;
      }
      expect(await ticket(id)).toEqual(before);
      expect((await tokensOf(t, jobId))[0]).toMatchObject({ status: 'waiting', version: token.version });
      // the scan is not on record either: scanned again at once, it applies
      expect((await scan('ST-S', 'OEM-ACME-PO-600-S1').expect(200)).body).toMatchObject({
        action: 'step_started',
        token: { status: 'in_progress' },
      });
    });
  });

  it('flag off: scans are manual; OEM barcodes are no token serials and tickets stay as they are', async () => {
    const { id, jobId } = await mappedTicket('PO-500');
    const [token] = await tokensOf(t, jobId);
    const before = await ticket(id);
    expect((await scan('ST-S', 'OEM-ACME-PO-500-S1').expect(404)).body.code).toBe('NOT_FOUND');
    expect((await scan('ST-S', token.serial).expect(200)).body).toMatchObject({
      handledBy: 'manual',
      action: 'started',
    });
    expect(await ticket(id)).toEqual(before);
  });
});
