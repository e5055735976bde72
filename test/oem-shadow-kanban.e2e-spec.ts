import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { OemKanbanService } from '../src/oem/oem-kanban.service.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { createLine, startJob, tokensOf, type Line } from './production-fixtures.js';
import { sleep } from './support/rollback-support.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const WINDOW_MS = 200;

describe('Phase 8 OEM: shadow run and Kanban', () => {
  let t: TestApp;
  let line: Line;
  const flag = (key: string, on: boolean) => t.app.get(FlagsService).set(key, on, { actor: 'test', reason: 'oem suite' });
  const scan = (stationCode: string, barcode: string) => t.http().post('/api/v1/scans').set(t.auth(Role.Station)).send({ stationCode, barcode });
  const createTicket = async (body: Record<string, unknown>) => (await t.http().post('/api/v1/oem/tickets').set(t.auth(Role.Supervisor)).send(body).expect(201)).body;
  const steps = (...names: Array<[string, string?]>) => names.map(([name, nodeCode], i) => ({ sequence: i + 1, name, ...(nodeCode ? { nodeCode } : {}) }));

  beforeAll(async () => {
    t = await startTestApp({ SCAN_DEDUP_WINDOW_MS: String(WINDOW_MS) });
    line = await createLine(t, 'SHADOW-LINE');
  });
  afterAll(() => t.close());

  it('shadow run: scans stay manual, nothing OEM is applied, agreement and each kind of disagreement are recorded', async () => {
    // SHADOW jobs' token serials (SJ-<n>-0001) name the job: the rule finds the ticket linked to it
    for (const stationCode of ['ST-S', 'ST-A']) {
      await t.http().post('/api/v1/oem/rules').set(t.auth(Role.Supervisor)).send({ customer: 'SHADOW', stationCode, pattern: '^(?P<job>SJ-\\d+)-\\d+$', action: 'advance' }).expect(201);
    }
    const agreeJob = await startJob(t, line.graphId, 'SJ-1', 1);
    const agreeTicket = await createTicket({ customer: 'SHADOW', externalRef: 'A', jobId: agreeJob, steps: steps(['Kit', 'S'], ['Assemble', 'A']) });
    const laterJob = await startJob(t, line.graphId, 'SJ-2', 1);
    const laterTicket = await createTicket({ customer: 'SHADOW', externalRef: 'B', jobId: laterJob, steps: steps(['Assemble', 'A'], ['Check', 'Q']) });
    const plainJob = await startJob(t, line.graphId, 'PLAIN', 1);
    const [agreeToken] = await tokensOf(t, agreeJob);
    const [laterToken] = await tokensOf(t, laterJob);
    const [plainToken] = await tokensOf(t, plainJob);

    // shadow off: nothing is recorded
    await scan('ST-S', plainToken.serial).expect(200);
    await flag('oem_shadow_run', true);

    expect((await scan('ST-S', agreeToken.serial).expect(200)).body).toMatchObject({ handledBy: 'manual', action: 'started' });
    expect((await scan('ST-S', laterToken.serial).expect(200)).body).toMatchObject({ handledBy: 'manual', action: 'started' });
    await sleep(WINDOW_MS + 50);
    // the OEM step never advanced, so OEM would start step 1 again while manual completes the token
    expect((await scan('ST-S', agreeToken.serial).expect(200)).body).toMatchObject({ handledBy: 'manual', action: 'completed' });
    expect((await scan('ST-S', plainToken.serial).expect(200)).body).toMatchObject({ handledBy: 'manual', action: 'completed' });

    for (const id of [agreeTicket.id, laterTicket.id]) {
      const detail = (await t.http().get(`/api/v1/oem/tickets/${id}`).set(t.auth(Role.Viewer)).expect(200)).body;
      expect(detail).toMatchObject({ status: 'open', currentSequence: 1 });
      expect(detail.steps.every((s: { status: string; scannedAt: unknown }) => s.status === 'pending' && s.scannedAt === null)).toBe(true);
    }

    const report = (await t.http().get('/api/v1/oem/shadow-report').set(t.auth(Role.Viewer)).expect(200)).body;
    expect(report).toMatchObject({ total: 4, notOem: 1, compared: 3, agreed: 1, discrepancies: { out_of_order: 1, token_not_moved: 1 } });
    expect(report.agreementRate).toBeCloseTo(1 / 3);
    const example = (kind: string) => report.examples.find((e: { kind: string }) => e.kind === kind);
    expect(example('out_of_order')).toMatchObject({
      barcode: laterToken.serial,
      manual: { action: 'started', tokenId: laterToken.id, nodeCode: 'S', ops: 'start' },
      oem: { outcome: 'refused', code: 'STEP_OUT_OF_ORDER' },
    });
    expect(example('token_not_moved')).toMatchObject({
      barcode: agreeToken.serial,
      manual: { action: 'completed', nodeCode: 'S', ops: 'complete' },
      oem: { outcome: 'apply', stepSequence: 1, stepTo: 'active', tokenId: agreeToken.id, ops: '' },
    });
    const [agreed] = await t.app.get(DataSource).query(`SELECT manual, oem FROM oem_shadow_result WHERE kind = 'agree'`);
    expect(JSON.parse(agreed.oem)).toMatchObject({ outcome: 'apply', ticket: 'SHADOW A', stepTo: 'active', tokenId: agreeToken.id, nodeCode: 'S', ops: 'start' });

    const future = (await t.http().get('/api/v1/oem/shadow-report?since=2099-01-01T00:00:00Z').set(t.auth(Role.Viewer)).expect(200)).body;
    expect(future).toMatchObject({ total: 0, compared: 0, agreementRate: null, examples: [] });
    await flag('oem_shadow_run', false);
  });

  it('Kanban: a column per current step, late flags, the customer filter, and the same number of queries for 4 or 40 tickets', async () => {
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const a = await createTicket({ customer: 'KB-A', externalRef: 'K1', dueAt: later, steps: steps(['Cut'], ['Weld'], ['Pack']) });
    await createTicket({ customer: 'KB-A', externalRef: 'K2', dueAt: past, steps: steps(['Cut'], ['Weld'], ['Pack']) });
    await createTicket({ customer: 'KB-B', externalRef: 'K3', steps: steps(['Kit'], ['Weld']) });
    const cancelled = await createTicket({ customer: 'KB-A', externalRef: 'K4', steps: steps(['Cut']) });
    await t.http().post(`/api/v1/oem/tickets/${cancelled.id}/cancel`).set(t.auth(Role.Supervisor)).expect(200);
    await t.http().post('/api/v1/oem/rules').set(t.auth(Role.Supervisor)).send({ customer: 'KB-A', stationCode: 'ST-KB', pattern: '^OEM-KB-(?P<ref>K\\d+)$', action: 'complete' }).expect(201);
    await flag('enable_oem_mode', true);
    await scan('ST-KB', 'OEM-KB-K1').expect(200);
    await flag('enable_oem_mode', false);

    const board = async (query: string) => (await t.http().get(`/api/v1/oem/kanban${query}`).set(t.auth(Role.Viewer)).expect(200)).body;
    const onlyKb = (b: { columns: Array<{ step: string; cards: Array<{ customer: string }> }> }) =>
      b.columns.map((c) => ({ ...c, cards: c.cards.filter((card) => card.customer.startsWith('KB-')) })).filter((c) => c.cards.length > 0);
    const all = onlyKb(await board(''));
    expect(all.map((c) => [c.step, c.cards.map((card) => (card as unknown as { externalRef: string }).externalRef)])).toEqual([
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
    expect(kbA.columns[0].cards[0]).toMatchObject({ externalRef: 'K2', late: true, status: 'open', currentStep: { sequence: 1, name: 'Cut', status: 'pending' }, stepsDone: 0, stepCount: 3 });
    expect(kbA.columns[1].cards[0]).toMatchObject({ ticketId: a.id, externalRef: 'K1', late: false, status: 'in_progress', currentStep: { sequence: 2, name: 'Weld' }, stepsDone: 1 });

    const ds = t.app.get(DataSource);
    const queriesOf = async (work: () => Promise<unknown>) => {
      const logger = ds.logger;
      const original = logger.logQuery.bind(logger);
      let count = 0;
      logger.logQuery = (...args) => {
        count++;
        return original(...args);
      };
      try {
        await work();
      } finally {
        logger.logQuery = original;
      }
      return count;
    };
    // counted at the service: over HTTP the API-key check adds its own query
    const kanban = t.app.get(OemKanbanService);
    const few = await queriesOf(() => kanban.board('KB-A', 100));
    for (let i = 0; i < 36; i++) await createTicket({ customer: 'KB-A', externalRef: `M${i}`, dueAt: i % 2 ? past : later, steps: steps([`Step ${i % 5}`], ['Pack']) });
    const many = await queriesOf(() => kanban.board('KB-A', 100));
    const all2 = await queriesOf(() => kanban.board(undefined, 3));
    expect([few, many, all2]).toEqual([2, 2, 2]);
    expect((await board('?customer=KB-A&limit=3')).columns.every((c: { cards: unknown[]; count: number }) => c.cards.length === Math.min(3, c.count))).toBe(true);
  });
});
