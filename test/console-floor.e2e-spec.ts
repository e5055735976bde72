/// <reference lib="dom" />
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { Role } from '../src/common/auth/role.js';
import { DemoSeedService } from '../src/production/demo-seed.service.js';
import {
  launchBrowser,
  openPage,
  seriousAxeViolations,
  unreachableByKeyboard,
  WatchedPage,
} from './support/browser.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const DESK = { width: 1280, height: 900 };
const TABLET = { width: 800, height: 1100 };
/** Short enough that a start and a complete of one token at one station can follow each other in a test; long enough to catch a double scan. */
const DEDUP_MS = 1500;
const ENV = { JOBS_ENABLED: 'false', SCAN_DEDUP_WINDOW_MS: String(DEDUP_MS) };
/** Chromium's words for a server that is not there (while it restarts). */
const SERVER_DOWN = /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|ERR_CONNECTION_CLOSED/;

interface NodeLoad {
  nodeCode: string;
  waiting: number;
  inProgress: number;
  finished: number;
}

/**
 * The shop-floor console in a real Chromium against the real app with the demo factory: the
 * Line, Jobs, Token, Station kiosk, Assignment and OEM shadow pages. A supervisor's desk and a
 * station's tablet are two browser windows; the tests run in order, each continuing the last.
 */
describe('shop-floor console in a browser', () => {
  let db: TestDatabase;
  let t: TestApp;
  let base: string;
  let port: number;
  let browser: Browser;
  /** the supervisor's desk */
  let desk: WatchedPage;
  /** the tablet at a station, signed in with a station key */
  let kiosk: WatchedPage;
  let graphId: number;
  let jobId: number;
  let serials: string[];
  const lastScan = new Map<string, number>();

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(ENV, db);
    graphId = (await t.app.get(DemoSeedService).seed()).graphId;
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    browser = await launchBrowser();
    desk = await openPage(browser, testDbKind(), DESK);
    kiosk = await openPage(browser, testDbKind(), TABLET);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await db?.drop();
  });
  afterEach(() => {
    expect(desk.problems).toEqual([]);
    expect(kiosk.problems).toEqual([]);
  });

  const api = (path: string) => t.http().get(`/api/v1${path}`).set(t.auth(Role.Admin));
  const setFlag = (key: string, enabled: boolean) =>
    t
      .http()
      .put(`/api/v1/admin/flags/${key}`)
      .set(t.auth(Role.Admin))
      .send({ enabled, reason: 'console test' })
      .expect(200);
  const dialog = (w: WatchedPage) => w.page.locator('dialog[open]');

  async function signIn(w: WatchedPage, key: string, hash = ''): Promise<void> {
    await w.page.goto(`${base}/console/${hash}`);
    await w.page.locator('.page, #sign-in:not([hidden])').first().waitFor();
    if (await w.page.locator('#sign-out').isVisible()) await w.page.click('#sign-out');
    await w.page.fill('#sign-in input[name=key]', key);
    await w.page.click('#sign-in button[type=submit]');
    await w.page.locator('.page').waitFor();
  }

  async function open(w: WatchedPage, hash: string, page: string): Promise<void> {
    await w.page.evaluate((h) => (location.hash = h), hash);
    await w.page.locator(`.page[data-page=${page}]`).waitFor();
  }

  async function lineLoads(): Promise<Record<string, string>> {
    const body = (await api(`/floor/lines/${graphId}`).expect(200)).body as { nodes: NodeLoad[] };
    return Object.fromEntries(body.nodes.map((n) => [n.nodeCode, `${n.waiting}/${n.inProgress}/${n.finished}`]));
  }

  /** The Line page's counts per node, as drawn on the graph, once they match what the API says. */
  async function lineShows(): Promise<Record<string, string>> {
    const expected = await lineLoads();
    await desk.page.click('.page[data-page=line] .page-head button');
    await desk.page.waitForFunction(
      (want) =>
        Object.entries(want).every(
          ([code, counts]) =>
            document.querySelector(`.dag-node[data-node="${code}"]`)?.getAttribute('data-counts') === counts,
        ),
      expected,
    );
    return expected;
  }

  /** Scans at the kiosk as a barcode scanner would: the characters, then Enter; returns the answer shown. */
  async function scan(barcode: string): Promise<string> {
    const station = (await kiosk.page.locator('.kiosk-page').getAttribute('data-station'))!;
    // a repeat inside the de-duplication window would be a duplicate: wait it out
    const since = Date.now() - (lastScan.get(`${station} ${barcode}`) ?? 0);
    if (since <= DEDUP_MS + 100) await kiosk.page.waitForTimeout(DEDUP_MS + 100 - since);
    return scanNow(barcode, station);
  }

  async function scanNow(barcode: string, station?: string): Promise<string> {
    const before = Number((await kiosk.page.locator('.scan-result').getAttribute('data-seq')) ?? 0);
    const field = kiosk.page.locator('input[name=barcode]');
    // the field has the focus by itself: the scanner just types
    await kiosk.page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'barcode');
    await kiosk.page.keyboard.type(barcode);
    await kiosk.page.keyboard.press('Enter');
    await kiosk.page.waitForFunction(
      (n) => Number(document.querySelector('.scan-result')?.getAttribute('data-seq') ?? 0) > n,
      before,
    );
    expect(await field.inputValue()).toBe('');
    lastScan.set(`${station ?? ''} ${barcode}`, Date.now());
    return (await kiosk.page.locator('.scan-result').getAttribute('data-outcome'))!;
  }

  async function atStation(code: string): Promise<void> {
    await open(kiosk, `#/station/${code}`, 'station');
    await kiosk.page.locator(`.kiosk-page[data-station="${code}"]`).waitFor();
  }

  it('serves the graph layout library beside the chart library', async () => {
    const dagre = await t.http().get('/console/vendor/dagre.js').expect(200);
    expect(dagre.headers['content-type']).toMatch(/javascript/);
    expect(dagre.text).toContain('layout');
  });

  it('gives an operator the floor pages and the kiosk but no supervisor button', async () => {
    await signIn(desk, t.keys[Role.Operator]);
    expect(await desk.page.locator('#nav a').allTextContents()).toEqual([
      'Dashboard',
      'Line',
      'Jobs',
      'Station',
      'Assignment',
      'OEM Kanban',
      'OEM shadow',
      'People sync',
    ]);
    await open(desk, '#/jobs', 'jobs');
    await desk.page.locator('tr[data-job="DEMO-J003"]').waitFor();
    expect(await desk.page.locator('main [data-action]').count()).toBe(0);
    const demo = ((await api('/jobs').expect(200)).body as Array<{ id: number; code: string }>).find(
      (j) => j.code === 'DEMO-J001',
    )!;
    await open(desk, `#/jobs/${demo.id}`, 'jobs');
    await desk.page.locator('[data-job-detail="DEMO-J001"]').waitFor();
    expect(await desk.page.locator('main [data-action]').count()).toBe(0);
    // the token page is theirs to act on
    await desk.page.locator('.node-tokens[data-node=KIT] a').first().click();
    await desk.page.locator('[data-token-detail]').waitFor();
    expect(
      await desk.page
        .locator('main button[data-action]')
        .evaluateAll((b) => b.map((x) => x.getAttribute('data-action'))),
    ).toEqual(['start', 'scrap', 'route']);
  });

  it('lets a supervisor release and spawn a job from the list, each only after a confirmation', async () => {
    const created = await t
      .http()
      .post('/api/v1/jobs')
      .set(t.auth(Role.Supervisor))
      .send({ code: 'J-CONSOLE', graphId, productCode: 'WIDGET-C', quantity: 2, dueAt: '2025-01-01T00:00:00Z' })
      .expect(201);
    jobId = created.body.id;
    await signIn(desk, t.keys[Role.Supervisor], '#/jobs');
    await desk.page.fill('input[name=productCode]', 'WIDGET-C');
    await desk.page.click('form.filters button[type=submit]');
    const row = desk.page.locator('tr[data-job="J-CONSOLE"]');
    await desk.page.waitForFunction(() => document.querySelectorAll('tr[data-job]').length === 1);
    expect(await row.getAttribute('class')).toBe('late');
    expect(await row.textContent()).toMatch(/planned.*late.*0 of 2/);
    // cancelling the confirmation changes nothing
    await row.locator('button[data-action=release]').click();
    await dialog(desk).locator('button', { hasText: 'Cancel' }).click();
    await dialog(desk).waitFor({ state: 'detached' });
    expect((await api(`/jobs/${jobId}`).expect(200)).body.status).toBe('planned');
    await row.locator('button[data-action=release]').click();
    await dialog(desk).locator('button[type=submit]').click();
    await row.locator('button[data-action=spawn]').waitFor();
    expect((await api(`/jobs/${jobId}`).expect(200)).body.status).toBe('released');
    await row.locator('button[data-action=spawn]').click();
    expect(await dialog(desk).textContent()).toContain('Create 2 tokens of J-CONSOLE');
    await dialog(desk).locator('button[type=submit]').click();
    await row.locator('.badge', { hasText: 'in progress' }).waitFor();
    serials = ((await api(`/tokens?jobId=${jobId}`).expect(200)).body.items as Array<{ serial: string }>).map(
      (x) => x.serial,
    );
    expect(serials).toEqual(['J-CONSOLE-0001', 'J-CONSOLE-0002']);
  });

  it('follows the job from the Line page while a station tablet scans each token through every node', async () => {
    await open(desk, '#/line', 'line');
    await desk.page.locator('.dag-node[data-node=KIT]').waitFor();
    expect(await desk.page.locator('.dag-node').count()).toBe(8);
    await desk.page
      .locator('[data-source=core]', { hasText: 'the dashboard (Phase 10) is off, and this page works without it' })
      .waitFor();
    const start = await lineShows();
    // the demo jobs and ours wait at kitting: the longest queue
    expect(await desk.page.locator('.dag-node.bottleneck').getAttribute('data-node')).toBe('KIT');

    await signIn(kiosk, t.keys[Role.Station]);
    // a station key opens on the kiosk
    await kiosk.page.locator('.station-list').waitFor();
    const [a, b] = serials;
    const walk: Array<[string, string | null]> = [
      ['ST-KIT', null],
      ['ST-CUT', null],
      ['ST-WELD', null],
      ['ST-PAINT', null],
      ['ST-QC', 'pass'],
      ['ST-PACK', null],
    ];
    const seen: Array<Record<string, string>> = [start];
    for (const [station] of walk) {
      await atStation(station);
      expect(await scan(a)).toBe('started');
      expect(await scan(b)).toBe('started');
      if (station === 'ST-QC') {
        // b fails the check and goes through rework
        expect(await scan(a)).toBe('routed');
        await kiosk.page.selectOption('select[name=outcome]', 'fail');
        expect(await scan(b)).toBe('routed');
        expect(await kiosk.page.locator('.scan-result').textContent()).toContain('routed to REWORK');
        await atStation('ST-RWK');
        expect(await scan(b)).toBe('started');
        expect(await scan(b)).toBe('routed');
      } else {
        const last = station === 'ST-PACK' ? 'finished' : 'routed';
        expect([await scan(a), await scan(b)]).toEqual([last, last]);
      }
      seen.push(await lineShows());
    }
    // the counts moved on the page: each station's node finished two more
    const finished = (counts: Record<string, string>, node: string) => Number(counts[node].split('/')[2]);
    for (const node of ['KIT', 'CUT', 'WELD', 'PAINT', 'QC', 'PACK'])
      expect(finished(seen.at(-1)!, node) - finished(start, node)).toBe(2);
    expect(finished(seen.at(-1)!, 'REWORK') - finished(start, 'REWORK')).toBe(1);
    expect(finished(seen.at(-1)!, 'SHIP')).toBe(2);
    expect(new Set(seen.map((s) => JSON.stringify(s))).size).toBe(seen.length);

    // clicking a node lists its tokens; so does Enter on a node reached by the keyboard
    await desk.page.locator('.dag-node[data-node=KIT]').click();
    await desk.page.locator('section[data-node=KIT] tr[data-token="DEMO-J001-0001"]').waitFor();
    await desk.page.focus('.dag-node[data-node=REWORK]');
    await desk.page.keyboard.press('Enter');
    await desk.page.locator('section[data-node=REWORK] h2', { hasText: 'Tokens at Rework' }).waitFor();
    expect(await desk.page.evaluate(() => document.activeElement?.textContent)).toContain('Tokens at Rework');
    // and the job is done, its progress full
    await open(desk, `#/jobs/${jobId}`, 'jobs');
    await desk.page.locator('[data-job-detail="J-CONSOLE"]').waitFor();
    expect(await desk.page.locator('.page-head').textContent()).toContain('done');
    expect(
      await desk.page.locator('[data-job-detail] progress').evaluate((p: HTMLProgressElement) => [p.value, p.max]),
    ).toEqual([2, 2]);
    expect(await desk.page.locator('.node-tokens[data-node=SHIP] li').count()).toBe(2);
    expect(await desk.page.locator('main [data-action]').count()).toBe(0);
    await kiosk.screenshot('kiosk-routed');
  });

  it('shows each kiosk outcome in its own colour and words, keeps ten, and takes the focus back', async () => {
    await atStation('ST-WELD');
    kiosk.expectHttpError(404, '/api/v1/scans');
    expect(await scanNow('NO-SUCH-BARCODE', 'ST-WELD')).toBe('unknown');
    expect(await kiosk.page.locator('.scan-result').getAttribute('class')).toBe('scan-result bad');
    kiosk.expectHttpError(409, '/api/v1/scans');
    expect(await scanNow('DEMO-J003-0001', 'ST-WELD')).toBe('unknown');
    expect(await scanNow('DEMO-J001-0002', 'ST-WELD')).toBe('wrong-station');
    expect(await kiosk.page.locator('.scan-result').textContent()).toMatch(/Wrong station.*KIT.*ST-KIT/);
    await atStation('ST-KIT');
    expect(await scanNow('DEMO-J001-0002', 'ST-KIT')).toBe('started');
    expect(await scanNow('DEMO-J001-0002', 'ST-KIT')).toBe('duplicate');
    expect(await kiosk.page.locator('.scan-result').getAttribute('class')).toBe('scan-result warn');
    await kiosk.screenshot('kiosk-duplicate');
    // OEM mode: a ticket's barcode advances its step
    await setFlag('enable_oem_mode', true);
    await atStation('ST-WELD');
    expect(await scanNow('OEM-ACME-PO-1002-S2', 'ST-WELD')).toBe('oem');
    expect(await kiosk.page.locator('.scan-result').textContent()).toContain('OEM step advanced');
    await kiosk.screenshot('kiosk-oem');
    await setFlag('enable_oem_mode', false);
    // the list is the station's: it began again at ST-WELD, one scan ago
    for (let i = 0; i < 10; i++) await scanNow(`NOTHING-${i}`, 'ST-WELD');
    expect(await kiosk.page.locator('.recent-scans li').first().textContent()).toContain('NOTHING-9');
    expect(await kiosk.page.locator('.recent-scans li').count()).toBe(10);
    // a touch elsewhere: the field takes the focus back by itself
    await kiosk.page.click('.kiosk-head h1');
    await kiosk.page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'barcode');
    await kiosk.page.focus('input[name=operatorCode]');
    await kiosk.page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'barcode', undefined, {
      timeout: 8000,
    });
  });

  it('keeps the kiosk working through a server restart: reconnects and says so', async () => {
    await atStation('ST-KIT');
    await t.app.close();
    const outcome = await scanNow('DEMO-J001-0003', 'ST-KIT');
    expect(outcome).toBe('offline');
    await kiosk.page.locator('.connection[data-connection=offline]', { hasText: 'reconnecting' }).waitFor();
    t = await startTestApp(ENV, db);
    await t.app.listen(port, '127.0.0.1');
    await kiosk.page
      .locator('.connection[data-connection=reconnected]', { hasText: 'Reconnected' })
      .waitFor({ timeout: 15_000 });
    expect(await scan('DEMO-J001-0003')).toBe('started');
    expect(
      await kiosk.page.locator('.recent-scans li').evaluateAll((li) => li.map((x) => x.getAttribute('data-outcome'))),
    ).toEqual(['started', 'offline']);
    await kiosk.screenshot('kiosk-reconnected');
    // what the browser said while the server was away, and nothing else
    for (const w of [kiosk, desk]) {
      const down = w.problems.filter((p) => SERVER_DOWN.test(p));
      expect(w.problems.filter((p) => !SERVER_DOWN.test(p))).toEqual([]);
      w.problems.splice(0, w.problems.length);
      if (w === kiosk) expect(down.length).toBeGreaterThan(0);
    }
  });

  it('lets an operator start, complete, route with an outcome and scrap a token, each confirmed, and shows its history', async () => {
    const j2 = ((await api('/jobs').expect(200)).body as Array<{ id: number; code: string }>).find(
      (j) => j.code === 'DEMO-J002',
    )!;
    const [x, y] = (await api(`/tokens?jobId=${j2.id}`).expect(200)).body.items as Array<{
      id: number;
      serial: string;
    }>;
    await signIn(desk, t.keys[Role.Operator], `#/token/${x.id}`);
    const head = desk.page.locator('.page-head');
    await desk.page.locator(`[data-token-detail="${x.serial}"]`).waitFor();
    await desk.page.fill('input[name=operatorCode]', 'OP-19');
    const act = async (action: string, status: string, node: string) => {
      await desk.page.click(`button[data-action=${action}]`);
      await dialog(desk).locator('button[type=submit]').click();
      await dialog(desk).waitFor({ state: 'detached' });
      await desk.page.waitForFunction(
        ([s, n]) =>
          document.querySelector('.page-head')?.textContent?.includes(s) &&
          document.querySelector('[data-token-detail]')?.textContent?.includes(`(${n})`),
        [status, node],
      );
    };
    await act('start', 'in progress', 'KIT');
    await act('complete', 'waiting', 'CUT');
    expect(await desk.page.locator('.timeline li[data-event=completed]').textContent()).toContain(
      'Operator 19 (OP-19)',
    );
    await act('route', 'waiting', 'WELD');
    for (const to of ['PAINT', 'QC']) {
      const graph = (await api(`/graphs/${graphId}`).expect(200)).body as {
        nodes: Array<{ id: number; code: string }>;
      };
      await t
        .http()
        .post(`/api/v1/tokens/${x.id}/route`)
        .set(t.auth(Role.Operator))
        .send({ toNodeId: graph.nodes.find((n) => n.code === to)!.id })
        .expect(200);
    }
    await desk.page.reload();
    await desk.page.locator('select[name=toNode]').waitFor();
    // at the QC node the route picks its edge, and with it the outcome
    expect(await desk.page.locator('select[name=toNode] option').allTextContents()).toEqual([
      'Packing (pass)',
      'Rework (fail)',
    ]);
    await desk.page.selectOption('select[name=toNode]', { label: 'Rework (fail)' });
    await act('route', 'waiting', 'REWORK');
    expect(await desk.page.locator('.timeline li[data-event=routed]').last().textContent()).toContain('outcome fail');
    await desk.screenshot('token-1280');
    await open(desk, `#/token/${y.id}`, 'token');
    await desk.page.locator(`[data-token-detail="${y.serial}"]`).waitFor();
    await desk.page.click('button[data-action=scrap]');
    await dialog(desk).locator('textarea[name=reason]').fill('dropped at kitting');
    await dialog(desk).locator('button[type=submit]').click();
    await head.locator('.badge', { hasText: 'scrapped' }).waitFor();
    expect(await desk.page.locator('main button[data-action]').count()).toBe(0);
    expect(await desk.page.locator('.timeline li[data-event=scrapped]').textContent()).toContain('dropped at kitting');
  });

  it('says Phase 7 is off, then previews a token, compares a job and filters the decision log', async () => {
    await signIn(desk, t.keys[Role.Supervisor], '#/assignment');
    await desk.page.locator('[data-state=phase7-off]', { hasText: 'Phase 7 is off' }).waitFor();
    await desk.page.locator('[data-state=preview-off]').waitFor();
    await desk.page.locator('[data-section=compare] caption').waitFor();
    await setFlag('enable_assignment_runtime', true);
    await setFlag('enable_assignment_preview', true);
    const j3 = ((await api('/jobs').expect(200)).body as Array<{ id: number; code: string }>).find(
      (j) => j.code === 'DEMO-J001',
    )!;
    const token = (
      (await api(`/tokens?jobId=${j3.id}&status=waiting`).expect(200)).body.items as Array<{ id: number }>
    )[0];
    // a decision of the runtime: route the token on while Phase 7 is on
    const graph = (await api(`/graphs/${graphId}`).expect(200)).body as { nodes: Array<{ id: number; code: string }> };
    await t
      .http()
      .post(`/api/v1/tokens/${token.id}/route`)
      .set(t.auth(Role.Operator))
      .send({ toNodeId: graph.nodes.find((n) => n.code === 'CUT')!.id })
      .expect(200);
    await open(desk, `#/assignment?token=${token.id}&job=${j3.id}`, 'assignment');
    await desk.page.locator('[data-state=phase7-on]').waitFor();
    await desk.page.locator('[data-section=preview] tr[data-candidate]').first().waitFor();
    const preview = await api(`/assignment/preview?tokenId=${token.id}`).expect(200);
    const ranks = await desk.page
      .locator('[data-section=preview] tr[data-candidate]')
      .evaluateAll((rows) => rows.map((r) => [Number(r.getAttribute('data-candidate')), r.getAttribute('data-rank')]));
    expect(ranks).toEqual(
      (preview.body.candidates as Array<{ operatorId: number; rank: number | null }>).map((c) => [
        c.operatorId,
        c.rank === null ? 'excluded' : String(c.rank),
      ]),
    );
    expect(ranks.length).toBeGreaterThan(0);
    const compare = await api(`/assignment/compare?jobId=${j3.id}`).expect(200);
    await desk.page.waitForFunction(
      (n) => document.querySelector('[data-section=compare] [data-differing]')?.getAttribute('data-differing') === n,
      String(compare.body.differing),
    );
    expect(await desk.page.locator('[data-section=compare] caption').textContent()).toContain(
      `${compare.body.tokens} tokens`,
    );
    await desk.page.fill('[data-section=log] input[name=tokenId]', String(token.id));
    await desk.page.click('[data-section=log] button[type=submit]');
    const log = (await api(`/assignment/log?tokenId=${token.id}`).expect(200)).body.items as Array<{ id: number }>;
    expect(log.length).toBe(1);
    await desk.page.locator(`[data-section=log] tr[data-decision="${log[0].id}"]`).waitFor();
    expect(await desk.page.locator('[data-section=log] tr[data-decision]').count()).toBe(1);
    // the token page says why, from the same decision
    await open(desk, `#/token/${token.id}`, 'token');
    await desk.page.locator('.decision h3', { hasText: 'Phase 7 decision' }).waitFor();
  });

  it('reports the OEM shadow run: agreement over time, discrepancies by kind, examples', async () => {
    await setFlag('oem_shadow_run', true);
    await atStation('ST-WELD');
    kiosk.expectHttpError(409, '/api/v1/scans');
    kiosk.expectHttpError(404, '/api/v1/scans');
    // a ticket's step out of order: both modes refuse it, which agrees; then the ticket's
    // active step, which OEM mode would complete while manual mode knows no such token
    for (const barcode of ['OEM-ACME-PO-1002-S3', 'OEM-ACME-PO-1002-S2'])
      expect(await scanNow(barcode, 'ST-WELD')).toBe('unknown');
    const report = (await api('/oem/shadow-report').expect(200)).body as {
      total: number;
      discrepancies: Record<string, number>;
    };
    expect(report).toMatchObject({ total: 2, compared: 2, agreed: 1, discrepancies: { manual_refused: 1 } });
    await open(desk, '#/shadow', 'shadow');
    await desk.page.locator(`[data-shadow-total="${report.total}"]`).waitFor();
    await desk.page.locator('[data-chart=agreement] canvas').waitFor();
    const kinds = await desk.page
      .locator('tr[data-kind]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
    expect(kinds).toEqual(Object.keys(report.discrepancies));
    expect(await desk.page.locator('tr[data-example]').count()).toBeGreaterThan(0);
    await setFlag('oem_shadow_run', false);
  });

  it('lays out every page at 1280 and 800 px, with no serious accessibility violation and every action in reach of the keyboard', async () => {
    const jobs = (await api('/jobs').expect(200)).body as Array<{ id: number; code: string }>;
    const released = jobs.find((j) => j.code === 'DEMO-J003')!;
    const busy = jobs.find((j) => j.code === 'DEMO-J002')!;
    const waiting = (
      (await api(`/tokens?jobId=${busy.id}&status=waiting`).expect(200)).body.items as Array<{ id: number }>
    )[0];
    const pages: Array<[name: string, hash: string, page: string, ready: string]> = [
      ['line', '#/line', 'line', '.dag-node.bottleneck'],
      ['jobs', '#/jobs', 'jobs', 'tr[data-job="DEMO-J003"] button[data-action=spawn]'],
      ['job', `#/jobs/${released.id}`, 'jobs', '[data-job-detail] + h2'],
      ['token', `#/token/${waiting.id}`, 'token', 'button[data-action=start]'],
      ['station', '#/station/ST-WELD', 'station', '.kiosk-page'],
      [
        'assignment',
        `#/assignment?token=${waiting.id}&job=${busy.id}`,
        'assignment',
        '[data-section=preview] tr[data-candidate]',
      ],
      ['shadow', '#/shadow', 'shadow', '[data-chart=discrepancies] canvas'],
    ];
    await signIn(desk, t.keys[Role.Supervisor]);
    const findings: Record<string, unknown> = {};
    for (const viewport of [DESK, TABLET]) {
      await desk.page.setViewportSize(viewport);
      for (const [name, hash, page, ready] of pages) {
        await open(desk, hash, page);
        await desk.page.locator(ready).first().waitFor();
        const overflow = await desk.page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        if (overflow > 0) findings[`${name}@${viewport.width} overflow`] = overflow;
        await desk.screenshot(`${name}-${viewport.width}`);
        const axe = await seriousAxeViolations(desk.page);
        if (axe.length) findings[`${name}@${viewport.width} axe`] = axe;
        if (viewport === DESK) {
          const missed = await unreachableByKeyboard(desk.page);
          if (missed.length) findings[`${name} keyboard`] = missed;
        }
      }
    }
    expect(findings).toEqual({});
    await desk.page.setViewportSize(DESK);
  });
});
