/// <reference lib="dom" />
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ApiKeysService } from '../src/common/auth/api-keys.service.js';
import { Role } from '../src/common/auth/role.js';
import { FullBackupService } from '../src/phases/backup/full-backup.service.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { emptyHistogram } from '../src/phases/telemetry/latency-histogram.js';
import { PathTelemetryRepository } from '../src/phases/telemetry/path-telemetry.repository.js';
import { epochMinute, type PathBucketRow } from '../src/phases/telemetry/path-telemetry.types.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { CONSOLE_FLAGS } from '../src/console/console.module.js';
import { DemoSeedService } from '../src/production/demo-seed.service.js';
import { launchBrowser, openPage, WatchedPage } from './support/browser.js';
import { testDbKind } from './support/test-database.js';
import { startTestApp, TestApp } from './support/test-app.js';

const TABLET = { width: 768, height: 1024 };
const DESK = { width: 1280, height: 900 };
const FLOOR = ['Dashboard', 'Line', 'Jobs'];
const INSIGHT = ['Assignment', 'OEM Kanban', 'OEM shadow', 'People sync'];
const ALL_PAGES = [...FLOOR, 'Station', ...INSIGHT, 'Phases', 'Rollouts', 'Rollback log', 'Flag audit'];

/**
 * The console in a real Chromium against the real app (every phase registered, the demo
 * factory seeded) on a free port. The tests run in order and each continues where the last
 * left the page, as an operator would. After each, the browser must have reported nothing:
 * no console error or warning, no uncaught error, no failed request, and no HTTP error
 * answer beyond the ones that test provoked on purpose and declared.
 */
describe('operations console in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let w: WatchedPage;
  /** an admin key of its own, revoked halfway through */
  let operatorKey: { id: number; key: string };

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false', BACKUP_DIR: mkdtempSync(join(tmpdir(), 'phasegate-console-')) });
    await t.app.get(DemoSeedService).seed();
    operatorKey = await t.app.get(ApiKeysService).create('console-operator', Role.Admin);
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await launchBrowser();
    w = await openPage(browser, testDbKind());
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });
  afterEach(() => {
    expect(w.problems).toEqual([]);
  });

  const page = () => w.page;
  const card = (phase: number) => page().locator(`article[data-phase="${phase}"]`);
  const dialog = () => page().locator('dialog[open]');
  const go = async (name: string) => {
    await page().click(`#nav a[data-page=${name}]`);
    await page().locator(`.page[data-page=${name}]`).waitFor();
  };
  const api = (path: string) => t.http().get(`/api/v1${path}`).set(t.auth(Role.Admin));

  async function signIn(key: string): Promise<void> {
    await page().goto(`${base}/console/`);
    await page().fill('#sign-in input[name=key]', key);
    await page().click('#sign-in button[type=submit]');
  }

  async function setFlag(phase: number, key: string, on: boolean, reason: string): Promise<void> {
    await go('phases');
    await card(phase).locator(`button[data-flag="${key}"]`).click();
    await dialog().locator('textarea[name=reason]').fill(reason);
    await dialog().locator('button[type=submit]').click();
    await dialog().waitFor({ state: 'detached' });
    await card(phase)
      .locator(`button[data-flag="${key}"]`, { hasText: on ? 'Turn off' : 'Turn on' })
      .waitFor();
  }

  /** What each chart on screen plots: the number of datasets and of non-zero points. */
  const plotted = () =>
    page().evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll<HTMLElement>('[data-chart]')].map((el) => {
          const canvas = el.querySelector('canvas');
          const chart =
            canvas &&
            (
              window as unknown as {
                Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: Array<{ data: unknown[] }> } } };
              }
            ).Chart.getChart(canvas);
          const points = chart
            ? chart.data.datasets.flatMap((d) => d.data).filter((v) => typeof v === 'number' && v > 0).length
            : 0;
          return [el.dataset.chart, { datasets: chart?.data.datasets.length ?? 0, points }];
        }),
      ),
    );

  it('serves the console anonymously, locked to its own origin, and nothing outside it', async () => {
    const index = await t.http().get('/console/').expect(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    await t.http().get('/console').expect(301);
    const chart = await t.http().get('/console/vendor/chart.js').expect(200);
    expect(chart.headers['content-type']).toMatch(/javascript/);
    expect(chart.text).toContain('Chart');
    const roles = await t.http().get('/console/js/roles.js').expect(200);
    expect(roles.text).toContain('"supervisor":["supervisor","operator","viewer"]');
    const flags = await t.http().get('/console/js/flags.js').expect(200);
    expect(flags.headers['content-type']).toMatch(/javascript/);
    expect(flags.text).toBe(`export const FLAGS = Object.freeze(${JSON.stringify(CONSOLE_FLAGS)});\n`);
    await t.http().get('/console/%2e%2e/%2e%2e/package.json').expect(404);
    await t.http().get('/console/vendor/chart.umd.js.map').expect(404);
  });

  it('refuses a wrong key with a readable error and keeps nothing', async () => {
    w.expectHttpError(401, '/api/v1/auth/me');
    await signIn('pgk_not-a-real-key');
    const error = page().locator('#errors .error-box');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('UNAUTHENTICATED');
    expect(await error.textContent()).toMatch(/Unknown or revoked API key.*request id [0-9a-f-]{36}/);
    expect(await page().evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('gives a viewer the floor pages and a supervisor the phases, neither any admin action', async () => {
    await signIn(t.keys[Role.Viewer]);
    await page().locator('.page[data-page=dashboard]').waitFor();
    expect(await page().locator('#nav a').allTextContents()).toEqual([...FLOOR, ...INSIGHT]);
    await page().click('#sign-out');
    await signIn(t.keys[Role.Supervisor]);
    await page().locator('.page[data-page=dashboard]').waitFor();
    expect(await page().locator('#nav a').allTextContents()).toEqual([
      ...FLOOR,
      'Station',
      ...INSIGHT,
      'Phases',
      'Rollouts',
    ]);
    await go('phases');
    await card(10).waitFor();
    expect(
      await page().locator('main button[data-flag], main button[data-action], main button[data-job]').count(),
    ).toBe(0);
    await page().click('#sign-out');
    expect(await page().evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('signs an admin in, keeping the key for this tab only', async () => {
    await signIn(operatorKey.key);
    await page().locator('.page[data-page=dashboard]').waitFor();
    expect(await page().locator('#nav a').allTextContents()).toEqual(ALL_PAGES);
    expect(await page().locator('#who').textContent()).toContain('console-operator');
    expect(await page().evaluate(() => Object.values(sessionStorage))).toEqual([operatorKey.key]);
    expect(await page().evaluate(() => localStorage.length)).toBe(0);
    await page().reload();
    await page().locator('.page[data-page=dashboard]').waitFor();
    // the dashboard is off: it says so without calling the switched-off API
    await page().locator('[data-state=unavailable]').waitFor();
  });

  it('shows every registered phase with its flags, jobs, schema and tables', async () => {
    await go('phases');
    const phases = t.app.get(PhaseRegistry).all();
    for (const phase of phases) {
      const c = card(phase.number);
      await c.waitFor();
      for (const flag of phase.flags) expect(await c.locator(`button[data-flag="${flag.key}"]`).count()).toBe(1);
      for (const job of phase.jobs) expect(await c.locator(`button[data-job="${job.name}"]`).count()).toBe(1);
      for (const table of phase.tables) expect(await c.textContent()).toContain(table.name);
      expect(await c.locator('.badge', { hasText: 'schema applied' }).count()).toBe(1);
    }
    // every growing table, the core's too, with its retention, size, oldest row and next purge
    const retention = page().locator('[data-retention]');
    await retention.waitFor();
    for (const table of ['token_event', 'scan_record', 'job_run', 'assignment_log', 'people_sync_error_log'])
      expect(await retention.textContent()).toContain(table);
    expect(await retention.textContent()).toMatch(/Next purge/);
    await w.screenshot('phases');
  });

  it('toggles a flag with a reason and finds the change in the audit', async () => {
    await setFlag(10, 'enable_production_dashboard', true, 'dashboard pilot on line 2');
    await go('audit');
    const row = page().locator('tr[data-flag="enable_production_dashboard"]').first();
    await row.waitFor();
    expect(await row.textContent()).toMatch(/off → on.*console-operator.*dashboard pilot on line 2/);
    await w.screenshot('audit');
  });

  it('draws the dashboard charts from data after a refresh', async () => {
    await go('dashboard');
    await page().locator('[data-chart=token-flow]').waitFor();
    await page().click('button[data-action=refresh]');
    await page().locator('.freshness .badge', { hasText: 'fresh' }).waitFor();
    await page().waitForFunction(() => document.querySelector('[data-chart=token-flow] canvas') !== null);
    const charts = await plotted();
    // the demo factory has spawned tokens waiting at their first node, none finished yet
    expect(charts['token-flow'].points).toBeGreaterThan(0);
    expect(charts['bottlenecks'].points).toBeGreaterThan(0);
    expect(charts['team-workload'].datasets).toBe(3);
    const cycles = await api('/dashboard/cycle-times').expect(200);
    expect(await page().locator('[data-chart=cycle-times]').getAttribute('data-rows')).toBe(
      String(cycles.body.data.length),
    );
    await w.screenshot('dashboard');
  });

  it('shows the seeded OEM tickets on the Kanban once OEM mode is on', async () => {
    await go('kanban');
    await page().locator('[data-state=oem-disabled]').waitFor();
    await setFlag(8, 'oem_shadow_run', true, 'shadow before going live');
    await go('kanban');
    expect(await page().locator('[data-shadow-rate]').textContent()).toContain('no comparable scan yet');
    await setFlag(8, 'oem_shadow_run', false, 'shadow done');
    await setFlag(8, 'enable_oem_mode', true, 'OEM live');
    await go('kanban');
    await page().locator('.kanban').waitFor();
    const board = (await api('/oem/kanban').expect(200)).body as {
      columns: Array<{ step: string; cards: Array<{ externalRef: string; late: boolean }> }>;
    };
    const expected = board.columns.flatMap((c) => c.cards.map((k) => [c.step, k.externalRef, k.late]));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.some(([, , late]) => late)).toBe(true);
    const shown = await page()
      .locator('.kanban-column')
      .evaluateAll((columns) =>
        columns.flatMap((col) =>
          [...col.querySelectorAll('[data-ticket]')].map((card) => [
            col.getAttribute('data-step'),
            card.getAttribute('data-ticket'),
            card.classList.contains('late'),
          ]),
        ),
      );
    expect(shown).toEqual(expected);
    await w.screenshot('kanban');
  });

  it('shows each People sync job with its cache and runs', async () => {
    await go('people');
    const status = (await api('/people/sync-status').expect(200)).body as { jobs: Array<{ job: string }> };
    for (const { job } of status.jobs) await page().locator(`[data-sync-job="${job}"]`).waitFor();
    await page().locator('[data-sync-errors]').waitFor();
    await w.screenshot('people');
  });

  it('dry-runs a phase rollback, runs it and watches every step reach the log', async () => {
    await go('phases');
    await card(10).locator('button[data-action=rollback]').click();
    // first the plan with the schema revert: the analytics tables hold rows now
    await dialog().locator('input[name=revertSchema]').check();
    await dialog().locator('button[data-action=plan]').click();
    const plan = dialog().locator('.phase-plan[data-phase="10"]');
    await plan.waitFor();
    expect(await plan.textContent()).toMatch(/mv_token_flow_summary\s*yes\s*\d+\s*yes \(rebuildable\)/);
    expect(await dialog().locator('[data-full-backup]').textContent()).toMatch(/No full backup recorded/);
    expect(await dialog().locator('.confirm-step').isVisible()).toBe(true);
    await w.screenshot('rollback-plan', { fullPage: false });
    // changing an option withdraws the plan and the button that runs it
    await dialog().locator('input[name=revertSchema]').uncheck();
    expect(await dialog().locator('.plan').count()).toBe(0);
    expect(await dialog().locator('button[type=submit]').isDisabled()).toBe(true);
    // the next plan shows the full backup taken meanwhile, with its age
    await t.app.get(FullBackupService).take({ to: mkdtempSync(join(tmpdir(), 'phasegate-console-')), actor: 'test' });
    await dialog().locator('button[data-action=plan]').click();
    await plan.waitFor();
    expect(await dialog().locator('[data-full-backup]').textContent()).toMatch(
      /Last full backup: (just now|.* ago) \(/,
    );
    expect(await plan.textContent()).toMatch(/enable_production_dashboard/);
    await dialog().locator('textarea[name=reason]').fill('dashboard drill');
    await dialog().locator('input[name=confirmed]').check();
    await dialog().locator('button[type=submit]').click();
    const done = dialog().locator('.progress-status [data-status=completed]');
    await done.waitFor();
    const steps = await dialog()
      .locator('tr[data-step]')
      .evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-step'), r.getAttribute('data-status')]));
    expect(steps).toEqual([
      ['10:disable-flags', 'done'],
      ['10:stop-jobs', 'done'],
      ['10:verify-legacy', 'done'],
      ['all:log', 'done'],
    ]);
    await w.screenshot('rollback-progress', { fullPage: false });
    const id = await done.getAttribute('data-rollback');
    await dialog().locator('a', { hasText: 'rollback log' }).click();
    const detail = page().locator(`[data-rollback-detail="${id}"]`);
    await detail.waitFor();
    expect(await detail.textContent()).toContain('dashboard drill');
    expect(await detail.locator('tr[data-step]').count()).toBe(4);
    await detail.locator('textarea[name=resolution]').fill('drill: nothing to resolve');
    await detail.locator('textarea[name=rootCause]').fill('a console drill');
    await detail.locator('textarea[name=outcome]').fill('dashboard back the same day');
    await detail.locator('button[type=submit]').click();
    await detail.locator('.ok-text').waitFor();
    const stored = (await t.http().get(`/api/v1/admin/rollbacks/${id}`).set(t.auth(Role.Admin)).expect(200)).body as {
      rootCause: string;
      outcome: string;
      method: string;
    };
    expect(stored).toMatchObject({
      rootCause: 'a console drill',
      outcome: 'dashboard back the same day',
      method: 'api',
    });
    expect(await detail.textContent()).toMatch(/Method\s*api/);
    await page().click('button:has-text("Refresh")');
    await page().locator(`tr[data-rollback="${id}"]`, { hasText: 'drill: nothing to resolve' }).waitFor();
    expect(await page().locator(`tr[data-rollback="${id}"]`).textContent()).toMatch(
      /phase.*10.*console-operator.*dashboard drill.*completed/,
    );
    await w.screenshot('rollbacks');
  });

  it('lists the rollback drills with their time per phase and checksums, and opens one', async () => {
    const drill = (
      await t.http().post('/api/v1/admin/rollbacks/drills').set(t.auth(Role.Admin)).send({ toPhase: 10 }).expect(201)
    ).body as { id: number; status: string };
    expect(drill.status).toBe('passed');
    await page().click('button:has-text("Refresh")');
    const row = page().locator(`tr[data-drill="${drill.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toMatch(/10.*passed.*10: .*(\d+) of \1 match/);
    await row.locator('button', { hasText: 'Steps' }).click();
    const detail = page().locator(`[data-drill-detail="${drill.id}"]`);
    await detail.waitFor();
    expect(await detail.locator('tr[data-step="10:revert-schema"]').getAttribute('data-status')).toBe('done');
    expect(await detail.locator('tr[data-step="10:restore"]').getAttribute('data-status')).toBe('done');
    await w.screenshot('rollback-drills');
  });

  /** Phase 7's telemetry of the last hour: 2,000 calls on each path and `fallbacks` fallbacks. */
  const telemetry = async (fallbacks: number) => {
    const now = epochMinute(new Date());
    const row = (path: PathBucketRow['path'], calls: number, minute: number): PathBucketRow => ({
      minute,
      phase: 7,
      operation: 'assign_on_spawn',
      path,
      reason: path === 'fallback' ? 'error' : '',
      calls,
      errors: 0,
      latencyMsSum: calls * (path === 'new' ? 30 : 8),
      histogram: Object.assign(emptyHistogram(), { [path === 'new' ? 3 : 1]: calls }),
    });
    const minutes = [50, 40, 30, 20].map((ago) => now - ago);
    await t.app
      .get(PathTelemetryRepository)
      .addBuckets(
        minutes.flatMap((m) => [row('new', 500, m), row('legacy', 500, m), row('fallback', fallbacks / 4, m)]),
      );
  };

  it("shows the rollback advice on the rollback page, with each guardrail's figures", async () => {
    const flags = t.app.get(FlagsService);
    const wasOn = flags.isEnabled('enable_assignment_runtime');
    await flags.set('enable_assignment_runtime', true, { actor: 'test', reason: 'advice' });
    await telemetry(8);
    await go('rollbacks');
    const p7 = page().locator('[data-section=advice] [data-advice-phase="7"]');
    await p7.waitFor();
    expect(await p7.getAttribute('data-advice')).toBe('planned_rollback');
    expect(await p7.getAttribute('data-rule')).toBe('repeated-fallbacks');
    expect(await p7.textContent()).toMatch(/fallback count\s*rollback\s*8 fallbacks in 24 h \(limit 5\)/);
    // a fix within the hour: forward
    await page().fill('[data-section=advice] input[name=fixEta]', '30m');
    await page().click('[data-section=advice] button[type=submit]');
    await page().locator('[data-advice-phase="7"][data-advice=fix_forward]').waitFor();
    await w.screenshot('rollback-advice');
    if (!wasOn) await flags.set('enable_assignment_runtime', false, { actor: 'test', reason: 'advice done' });
  });

  it('shows a rollout page per phase: its stage, a chart per guardrail with its threshold, and admin buttons that act', async () => {
    const plan = (
      await t
        .http()
        .post('/api/v1/admin/rollouts')
        .set(t.auth(Role.Admin))
        .send({ phase: 7, stages: '10%,100%', reason: 'console rollout' })
        .expect(201)
    ).body as { plan: { id: number } };
    await go('rollouts');
    const stage = page().locator('[data-section=stage]');
    await page().locator('[data-section=stage][data-status=active]').waitFor();
    expect(await stage.locator('h2').textContent()).toMatch(/Stage 1 of 2: 10%/);
    await page().locator('[data-guardrail="latency"] canvas').waitFor();
    // every charted guardrail draws new against legacy (or the fallbacks) and its threshold line
    const charts = await page().evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll<HTMLElement>('[data-guardrail]')].map((tile) => {
          const canvas = tile.querySelector('canvas');
          const chart =
            canvas &&
            (
              window as unknown as {
                Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: Array<{ label: string }> } } };
              }
            ).Chart.getChart(canvas);
          return [tile.dataset.guardrail, chart ? chart.data.datasets.map((d) => d.label) : null];
        }),
      ),
    );
    expect(charts).toEqual({
      'error rate': ['new path', 'legacy path', 'threshold'],
      'fallback count': ['new path', 'threshold'],
      latency: ['new path', 'legacy path', 'threshold'],
    });
    expect(await page().locator('[data-guardrail="latency"]').getAttribute('data-verdict')).toBe('rollback');
    await w.screenshot('rollout');

    await stage.locator('button[data-action=pause]').click();
    await dialog().locator('textarea[name=reason]').fill('hold for the night shift');
    await dialog().locator('button[type=submit]').click();
    await page().locator('[data-section=stage][data-status=paused]').waitFor();
    expect(await page().locator('[data-section=stage]').textContent()).toMatch(/pause.*hold for the night shift/);
    // a supervisor reads the same page, without the buttons
    const supervisor = await openPage(browser, `${testDbKind()}-supervisor`);
    await supervisor.page.goto(`${base}/console/`);
    await supervisor.page.fill('#sign-in input[name=key]', t.keys[Role.Supervisor]);
    await supervisor.page.click('#sign-in button[type=submit]');
    await supervisor.page.locator('.page[data-page=dashboard]').waitFor();
    await supervisor.page.goto(`${base}/console/#/rollouts/7`);
    await supervisor.page.locator('[data-section=stage][data-status=paused]').waitFor();
    await supervisor.page.locator('[data-guardrail="latency"] canvas').waitFor();
    expect(await supervisor.page.locator('[data-section=stage] button').count()).toBe(0);
    expect(supervisor.problems).toEqual([]);
    await supervisor.page.context().close();
    await page().locator('[data-section=stage] button[data-action=abort]').click();
    await dialog().locator('textarea[name=reason]').fill('console test over');
    await dialog().locator('button[type=submit]').click();
    await page().locator('[data-section=stage][data-status=aborted]').waitFor();
    expect(await page().locator('[data-section=stage] button[data-action]').count()).toBe(0);
    const stored = await t.http().get(`/api/v1/admin/rollouts/${plan.plan.id}`).set(t.auth(Role.Admin)).expect(200);
    expect(stored.body.plan.status).toBe('aborted');
  });

  it('says "Data unavailable" on the dashboard once Phase 10 is rolled back, and re-enables it', async () => {
    await go('dashboard');
    await page().locator('[data-state=unavailable]', { hasText: 'Data unavailable' }).waitFor();
    expect(await page().locator('canvas').count()).toBe(0);
    await w.screenshot('dashboard-unavailable');
    await go('phases');
    await card(10).locator('.badge', { hasText: 'rolled back' }).waitFor();
    await card(10).locator('button[data-action=enable]').click();
    await dialog().locator('textarea[name=reason]').fill('drill over');
    await dialog().locator('button[type=submit]').click();
    const result = dialog().locator('[data-result=enable]');
    await result.waitFor();
    expect(await result.textContent()).toMatch(/Flags on\s*enable_production_dashboard/);
    await dialog().locator('button', { hasText: 'Close' }).click();
    await card(10).locator('button[data-flag="enable_production_dashboard"]', { hasText: 'Turn off' }).waitFor();
    await go('dashboard');
    await page().locator('[data-chart=token-flow] canvas').waitFor();
  });

  it('runs an emergency rollback only after the typed confirmation', async () => {
    await go('phases');
    await page().click('button[data-action=emergency]');
    await dialog().locator('textarea[name=reason]').fill('line 2 stopped scanning');
    await dialog().locator('input[name=confirm]').fill('emergency');
    await dialog().locator('button[type=submit]').click();
    expect(await dialog().locator('.error-box').getAttribute('data-code')).toBe('NOT_CONFIRMED');
    await dialog().locator('input[name=confirm]').fill('EMERGENCY');
    await dialog().locator('button[type=submit]').click();
    await dialog().locator('.progress-status [data-status=completed]').waitFor();
    const descending = [...t.app.get(PhaseRegistry).all()].reverse().map((p) => `${p.number}:verify-legacy`);
    expect(
      await dialog()
        .locator('tr[data-step]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-step'))),
    ).toEqual(['all:disable-flags', 'all:stop-jobs', ...descending, 'all:log']);
    await w.screenshot('emergency', { fullPage: false });
    await dialog().locator('button', { hasText: 'Close' }).click();
    await card(10).locator('button[data-flag="enable_production_dashboard"]', { hasText: 'Turn on' }).waitFor();
    expect(await page().locator('main button[data-flag]', { hasText: 'Turn off' }).count()).toBe(0);
    expect(await page().locator('main button[data-job]', { hasText: 'Stop' }).count()).toBe(0);
  });

  it('lays every page out for a tablet', async () => {
    await page().setViewportSize(TABLET);
    for (const name of ['dashboard', 'kanban', 'people', 'phases', 'rollouts', 'rollbacks', 'audit']) {
      await go(name);
      await page().waitForLoadState('networkidle');
      // nothing wider than the screen: wide tables scroll inside their cards
      const overflow = await page().evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect({ name, overflow }).toEqual({ name, overflow: 0 });
      await w.screenshot(`tablet-${name}`);
    }
    await page().setViewportSize(DESK);
  });

  it('sends an operator whose key is revoked back to sign-in, saying why', async () => {
    await t.app.get(ApiKeysService).revoke(operatorKey.id);
    w.expectHttpError(401, '/api/v1/admin/phases');
    await page().click('#nav a[data-page=phases]');
    await page().locator('#sign-in').waitFor();
    expect(await page().locator('#errors .error-box').getAttribute('data-code')).toBe('UNAUTHENTICATED');
    expect(await page().evaluate(() => sessionStorage.length)).toBe(0);
  });
});
