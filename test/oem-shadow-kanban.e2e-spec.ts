import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { OemKanbanService } from '../src/oem/oem-kanban.service.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { shadowOf } from '../src/phases/rollout/rollout-evidence.js';
import { PathTelemetryRepository } from '../src/phases/telemetry/path-telemetry.repository.js';
import { epochMinute } from '../src/phases/telemetry/path-telemetry.types.js';
import { PhaseTelemetry } from '../src/phases/telemetry/phase-telemetry.service.js';
import { createLine, startJob, tokensOf, type Line } from './production-fixtures.js';
import { sleep } from './support/wait.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const WINDOW_MS = 200;

describe('Phase 8 OEM: shadow run and Kanban', () => {
  let t: TestApp;
  let line: Line;
  const flag = (key: string, on: boolean) =>
    t.app.get(FlagsService).set(key, on, { actor: 'test', reason: 'oem suite' });
  const scan = (stationCode: string, barcode: string) =>
    t.http().post('/api/v1/scans').set(t.auth(Role.Station)).send({ stationCode, barcode });
  const createTicket = async (body: Record<string, unknown>) =>
    (await t.http().post('/api/v1/oem/tickets').set(t.auth(Role.Supervisor)).send(body).expect(201)).body;
  const steps = (...names: Array<[string, string?]>) =>
    names.map(([name, nodeCode], i) => ({ sequence: i + 1, name, ...(nodeCode ? { nodeCode } : {}) }));

  beforeAll(async () => {
    t = await startTestApp({ SCAN_DEDUP_WINDOW_MS: String(WINDOW_MS) });
    line = await createLine(t, 'SHADOW-LINE');
  });
  afterAll(() => t.close());

  it('shadow run: scans stay manual, nothing OEM is applied; each scan is judged against the step progress OEM mode would have made', async () => {
    const began = new Date();
    // SHADOW jobs' token serials (SJ-<n>-0001) name the job: the rule finds the ticket linked to it; ST-X serves no node
    for (const stationCode of ['ST-S', 'ST-A', 'ST-Q', 'ST-P', 'ST-X']) {
      await t
        .http()
        .post('/api/v1/oem/rules')
        .set(t.auth(Role.Supervisor))
        .send({ customer: 'SHADOW', stationCode, pattern: '^(?P<job>SJ-\\d+)-\\d+$', action: 'advance' })
        .expect(201);
    }
    const walkJob = await startJob(t, line.graphId, 'SJ-1', 1);
    const walkTicket = await createTicket({
      customer: 'SHADOW',
      externalRef: 'W',
      jobId: walkJob,
      steps: steps(['Kit', 'S'], ['Assemble', 'A'], ['Check', 'Q'], ['Pack', 'P']),
    });
    const laterJob = await startJob(t, line.graphId, 'SJ-2', 1);
    const laterTicket = await createTicket({
      customer: 'SHADOW',
      externalRef: 'B',
      jobId: laterJob,
      steps: steps(['Assemble', 'A'], ['Check', 'Q']),
    });
    const paperJob = await startJob(t, line.graphId, 'SJ-3', 1);
    const paperTicket = await createTicket({
      customer: 'SHADOW',
      externalRef: 'C',
      jobId: paperJob,
      steps: steps(['Paperwork'], ['Kit', 'S']),
    });
    const plainJob = await startJob(t, line.graphId, 'PLAIN', 1);
    const [walkToken] = await tokensOf(t, walkJob);
    const [laterToken] = await tokensOf(t, laterJob);
    const [paperToken] = await tokensOf(t, paperJob);
    const [plainToken] = await tokensOf(t, plainJob);

    // shadow off: nothing is recorded
    await scan('ST-S', plainToken.serial).expect(200);
    await flag('oem_shadow_run', true);

    // the whole line, start and completion at each node: OEM mode would have walked the ticket's four steps alongside
    const walked: string[] = [];
    for (const node of ['S', 'A', 'Q', 'P']) {
      walked.push((await scan(`ST-${node}`, walkToken.serial).expect(200)).body.action);
      await sleep(WINDOW_MS + 50);
      walked.push((await scan(`ST-${node}`, walkToken.serial).expect(200)).body.action);
    }
    expect(walked).toEqual([
      'started',
      'completed',
      'started',
      'completed',
      'started',
      'completed',
      'started',
      'finished',
    ]);
    // a ninth scan: manual mode refuses the finished token, OEM mode the finished ticket; a refusal on both sides agrees
    await sleep(WINDOW_MS + 50);
    expect((await scan('ST-P', walkToken.serial).expect(409)).body.code).toBe('INVALID_STATE');

    // ticket B's first step maps to A, but the token is at S
    expect((await scan('ST-S', laterToken.serial).expect(200)).body).toMatchObject({
      handledBy: 'manual',
      action: 'started',
    });
    // ticket C at a station serving no node: manual mode refuses twice, OEM mode would have started and finished the unmapped paperwork step...
    expect((await scan('ST-X', paperToken.serial).expect(409)).body.code).toBe('WRONG_STATION');
    expect((await scan('ST-X', paperToken.serial).expect(409)).body.code).toBe('WRONG_STATION');
    // ...so its next scan is judged against step 2 (Kit at S), where it agrees
    expect((await scan('ST-S', paperToken.serial).expect(200)).body).toMatchObject({
      handledBy: 'manual',
      action: 'started',
    });
    await sleep(WINDOW_MS + 50);
    expect((await scan('ST-S', plainToken.serial).expect(200)).body).toMatchObject({
      handledBy: 'manual',
      action: 'completed',
    });

    for (const id of [walkTicket.id, laterTicket.id, paperTicket.id]) {
      const detail = (await t.http().get(`/api/v1/oem/tickets/${id}`).set(t.auth(Role.Viewer)).expect(200)).body;
      expect(detail).toMatchObject({ status: 'open', currentSequence: 1 });
      expect(
        detail.steps.every(
          (s: { status: string; scannedAt: unknown }) => s.status === 'pending' && s.scannedAt === null,
        ),
      ).toBe(true);
    }

    const report = (await t.http().get('/api/v1/oem/shadow-report').set(t.auth(Role.Viewer)).expect(200)).body;
    expect(report).toMatchObject({
      total: 14,
      notOem: 1,
      compared: 13,
      agreed: 10,
      discrepancies: { out_of_order: 1, manual_refused: 2 },
    });
    expect(Object.keys(report.discrepancies).sort()).toEqual(['manual_refused', 'out_of_order']);
    expect(report.agreementRate).toBeCloseTo(10 / 13);
    // the same judgements reach the path telemetry as Phase 8's signals, which the rollout guard's shadow gate reads
    await t.app.get(PhaseTelemetry).flush();
    const signals = await t.app
      .get(PathTelemetryRepository)
      .signals(8, epochMinute(began), epochMinute(new Date()) + 1);
    expect(Object.fromEntries(signals.map((x) => [x.signal, x.count]))).toEqual({
      shadow_agree: 10,
      shadow_out_of_order: 1,
      shadow_manual_refused: 2,
      shadow_not_oem: 1,
    });
    expect(shadowOf(signals)).toEqual({ compared: 13, disagreements: 3 });
    const examples = (kind: string) => report.examples.filter((e: { kind: string }) => e.kind === kind);
    expect(examples('out_of_order')).toMatchObject([
      {
        barcode: laterToken.serial,
        manual: { action: 'started', tokenId: laterToken.id, nodeCode: 'S', ops: 'start' },
        oem: { outcome: 'refused', code: 'STEP_OUT_OF_ORDER' },
      },
    ]);
    const paperwork = {
      outcome: 'apply',
      ticket: 'SHADOW C',
      stepSequence: 1,
      stepName: 'Paperwork',
      tokenId: null,
      ops: '',
    };
    expect(examples('manual_refused')).toMatchObject(
      ['done', 'active'].map((stepTo) => ({
        stationCode: 'ST-X',
        barcode: paperToken.serial,
        manual: { action: 'refused', code: 'WRONG_STATION' },
        oem: { ...paperwork, stepTo },
      })),
    );
    const walk: Array<{ kind: string; manual: string; oem: string }> = await t.app
      .get(DataSource)
      .query(`SELECT kind, manual, oem FROM oem_shadow_result WHERE barcode = ? ORDER BY id`, [walkToken.serial]);
    expect(walk.map((r) => r.kind)).toEqual(Array(9).fill('agree'));
    expect(
      walk
        .map((r) => JSON.parse(r.oem))
        .map((o) => (o.outcome === 'apply' ? `${o.stepSequence}:${o.stepTo}:${o.nodeCode}:${o.ops}` : o.code)),
    ).toEqual([
      '1:active:S:start',
      '1:done:S:complete',
      '2:active:A:start',
      '2:done:A:complete',
      '3:active:Q:start',
      '3:done:Q:complete',
      '4:active:P:start',
      '4:done:P:complete',
      'INVALID_STATE',
    ]);
    expect(JSON.parse(walk[8].manual)).toMatchObject({ action: 'refused', code: 'INVALID_STATE' });

    const future = (
      await t.http().get('/api/v1/oem/shadow-report?since=2099-01-01T00:00:00Z').set(t.auth(Role.Viewer)).expect(200)
    ).body;
    expect(future).toMatchObject({ total: 0, compared: 0, agreementRate: null, examples: [] });
    await flag('oem_shadow_run', false);
  });

  it('shadow run: a real change to the ticket (an OEM-mode scan) starts its shadow progress over from the stored state', async () => {
    for (const stationCode of ['ST-S', 'ST-A']) {
      await t
        .http()
        .post('/api/v1/oem/rules')
        .set(t.auth(Role.Supervisor))
        .send({ customer: 'SHADOW2', stationCode, pattern: '^(?P<job>SK-\\d+)-\\d+$', action: 'advance' })
        .expect(201);
    }
    const jobId = await startJob(t, line.graphId, 'SK-1', 1);
    await createTicket({ customer: 'SHADOW2', externalRef: 'R', jobId, steps: steps(['Kit', 'S'], ['Assemble', 'A']) });
    const [token] = await tokensOf(t, jobId);
    const kinds = async () =>
      (
        await t.app
          .get(DataSource)
          .query(`SELECT kind FROM oem_shadow_result WHERE barcode = ? ORDER BY id`, [token.serial])
      ).map((r: { kind: string }) => r.kind);

    await flag('oem_shadow_run', true);
    await scan('ST-S', token.serial).expect(200); // shadow: step 1 active
    await flag('oem_shadow_run', false);
    await flag('enable_oem_mode', true);
    await sleep(WINDOW_MS + 50);
    // for real now: the token is in progress at S, so OEM mode starts step 1 and moves no token
    expect((await scan('ST-S', token.serial).expect(200)).body).toMatchObject({
      handledBy: 'oem',
      action: 'step_started',
      token: null,
    });
    await sleep(WINDOW_MS + 50);
    expect((await scan('ST-S', token.serial).expect(200)).body).toMatchObject({
      handledBy: 'oem',
      action: 'step_completed',
      token: { nodeCode: 'A' },
    });
    await flag('enable_oem_mode', false);
    await flag('oem_shadow_run', true);
    // judged against the stored ticket (step 2 pending, token waiting at A), not the stale shadow progress (step 1 active)
    await scan('ST-A', token.serial).expect(200);
    await flag('oem_shadow_run', false);
    expect(await kinds()).toEqual(['agree', 'agree']);
  });

  it('Kanban: a column per current step, late flags, the customer filter, and the same number of queries for 4 or 40 tickets', async () => {
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const a = await createTicket({
      customer: 'KB-A',
      externalRef: 'K1',
      dueAt: later,
      steps: steps(['Cut'], ['Weld'], ['Pack']),
    });
    await createTicket({ customer: 'KB-A', externalRef: 'K2', dueAt: past, steps: steps(['Cut'], ['Weld'], ['Pack']) });
    await createTicket({ customer: 'KB-B', externalRef: 'K3', steps: steps(['Kit'], ['Weld']) });
    const cancelled = await createTicket({ customer: 'KB-A', externalRef: 'K4', steps: steps(['Cut']) });
    await t.http().post(`/api/v1/oem/tickets/${cancelled.id}/cancel`).set(t.auth(Role.Supervisor)).expect(200);
    await t
      .http()
      .post('/api/v1/oem/rules')
      .set(t.auth(Role.Supervisor))
      .send({ customer: 'KB-A', stationCode: 'ST-KB', pattern: '^OEM-KB-(?P<ref>K\\d+)$', action: 'complete' })
      .expect(201);
    await flag('enable_oem_mode', true);
    await scan('ST-KB', 'OEM-KB-K1').expect(200);
    await flag('enable_oem_mode', false);

    const board = async (query: string) =>
      (await t.http().get(`/api/v1/oem/kanban${query}`).set(t.auth(Role.Viewer)).expect(200)).body;
    const onlyKb = (b: { columns: Array<{ step: string; cards: Array<{ customer: string }> }> }) =>
      b.columns
        .map((c) => ({ ...c, cards: c.cards.filter((card) => card.customer.startsWith('KB-')) }))
        .filter((c) => c.cards.length > 0);
    const all = onlyKb(await board(''));
    expect(
      all.map((c) => [c.step, c.cards.map((card) => (card as unknown as { externalRef: string }).externalRef)]),
    ).toEqual([
      ['Cut', ['K2']],
      ['Kit', ['K3']],
      ['Weld', ['K1']],
    ]);
    const kbA = await board('?customer=KB-A');
    expect(kbA.customer).toBe('KB-A');
    expect(kbA.columns.map((c: { step: string; count: number }) => [c.step, c.count])).toEqual([
      ['Cut', 1],
      ['Weld', 1],
    ]);
    expect(kbA.columns[0].cards[0]).toMatchObject({
      externalRef: 'K2',
      late: true,
      status: 'open',
      currentStep: { sequence: 1, name: 'Cut', status: 'pending' },
      stepsDone: 0,
      stepCount: 3,
    });
    expect(kbA.columns[1].cards[0]).toMatchObject({
      ticketId: a.id,
      externalRef: 'K1',
      late: false,
      status: 'in_progress',
      currentStep: { sequence: 2, name: 'Weld' },
      stepsDone: 1,
    });

    const ds = t.app.get(DataSource);
    // only the queries issued from work's own async context count: a flag refresh or telemetry flush
    // that runs meanwhile is logged by the same logger
    const queriesOf = async (work: () => Promise<unknown>) => {
      const logger = ds.logger;
      const original = logger.logQuery.bind(logger);
      const context = new AsyncLocalStorage<true>();
      let count = 0;
      logger.logQuery = (...args) => {
        if (context.getStore()) count++;
        return original(...args);
      };
      try {
        await context.run(true, work);
      } finally {
        logger.logQuery = original;
      }
      return count;
    };
    // counted at the service: over HTTP the API-key check adds its own query
    const kanban = t.app.get(OemKanbanService);
    const few = await queriesOf(() => kanban.board('KB-A', 100));
    for (let i = 0; i < 36; i++)
      await createTicket({
        customer: 'KB-A',
        externalRef: `M${i}`,
        dueAt: i % 2 ? past : later,
        steps: steps([`Step ${i % 5}`], ['Pack']),
      });
    const many = await queriesOf(() => kanban.board('KB-A', 100));
    const all2 = await queriesOf(() => kanban.board(undefined, 3));
    expect([few, many, all2]).toEqual([1, 1, 1]);
    expect(
      (await board('?customer=KB-A&limit=3')).columns.every(
        (c: { cards: unknown[]; count: number }) => c.cards.length === Math.min(3, c.count),
      ),
    ).toBe(true);

    // names equal but for case: one column on MySQL (its collation), two on SQLite; every ticket shows either way
    await createTicket({ customer: 'KB-C', externalRef: 'C1', steps: steps(['Weld']) });
    await createTicket({ customer: 'KB-C', externalRef: 'C2', steps: steps(['weld']) });
    const kbC = (await board('?customer=KB-C')).columns as Array<{
      count: number;
      cards: Array<{ externalRef: string }>;
    }>;
    expect(kbC.map((c) => c.count)).toEqual(ds.options.type === 'mysql' ? [2] : [1, 1]);
    expect(kbC.flatMap((c) => c.cards.map((card) => card.externalRef)).sort()).toEqual(['C1', 'C2']);
  });
});
