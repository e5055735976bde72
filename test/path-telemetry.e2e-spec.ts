import { DataSource } from 'typeorm';
import { RUNTIME_FLAG } from '../src/assignment/assignment.schema.js';
import { Role } from '../src/common/auth/role.js';
import { DashboardRefreshService } from '../src/dashboard/dashboard-refresh.service.js';
import { DASHBOARD_FLAG, VIEWS } from '../src/dashboard/dashboard.schema.js';
import { PEOPLE_JOBS, PeopleSyncService } from '../src/people/people-sync.service.js';
import { PhaseFallback } from '../src/phases/fallback/phase-fallback.service.js';
import type { JobRunContext } from '../src/phases/phase-definition.js';
import { NO_SCOPE } from '../src/phases/flags/flag-rules.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { RetentionService } from '../src/phases/retention/retention.service.js';
import { emptyHistogram } from '../src/phases/telemetry/latency-histogram.js';
import { PathTelemetryRepository } from '../src/phases/telemetry/path-telemetry.repository.js';
import { epochMinute, type PathBucketRow, type PathTotals } from '../src/phases/telemetry/path-telemetry.types.js';
import { PhaseTelemetry } from '../src/phases/telemetry/phase-telemetry.service.js';
import { buildLine, newJob, setFlag } from './assignment-fixture.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';

const M = 29_400_000; // an epoch minute in 2025
const OP = 'telemetry_suite';
// flushed only when a test says so (or at shutdown): the counts are checked at known moments
const ENV = { JOBS_ENABLED: 'false', TELEMETRY_FLUSH_MS: '60000', FLAG_REFRESH_MS: '50', PEOPLE_API_MAX_RETRIES: '0' };

const bucket = (over: Partial<PathBucketRow>): PathBucketRow => {
  const histogram = emptyHistogram();
  histogram[1] = over.calls ?? 1;
  return {
    minute: M,
    phase: 7,
    operation: 'assign_on_spawn',
    path: 'new',
    reason: '',
    calls: 1,
    errors: 0,
    latencyMsSum: 8,
    histogram,
    ...over,
  };
};

/** What one replica's calls add: `n` of each outcome, through the real PhaseFallback. */
async function gatedCalls(app: TestApp, n: { ok: number; declined: number; threw: number; failed: number }) {
  const fallback = app.app.get(PhaseFallback);
  const run = (newPath: () => Promise<string | ReturnType<typeof PhaseFallback.decline>>, legacy = async () => 'l') =>
    fallback.run({ flag: DASHBOARD_FLAG, operation: OP, context: NO_SCOPE, newPath, legacy });
  for (let i = 0; i < n.ok; i++) await run(async () => 'n');
  for (let i = 0; i < n.declined; i++) await run(async () => PhaseFallback.decline('stale_view'));
  for (let i = 0; i < n.threw; i++)
    await run(async () => {
      throw new Error('new path broke');
    });
  for (let i = 0; i < n.failed; i++)
    await expect(
      run(
        async () => PhaseFallback.decline('stale_view'),
        async () => {
          throw new Error('legacy broke too');
        },
      ),
    ).rejects.toThrow('legacy broke too');
  // and the legacy path of another phase, whose flag is off
  for (let i = 0; i < n.ok; i++)
    await fallback.run({
      flag: RUNTIME_FLAG,
      operation: OP,
      context: NO_SCOPE,
      newPath: async () => 'n',
      legacy: async () => 'l',
    });
}

const summary = (totals: PathTotals[]) =>
  totals
    .filter((t) => t.operation === OP)
    .map((t) => ({
      path: t.path,
      reason: t.reason,
      calls: t.calls,
      errors: t.errors,
      histogramTotal: t.histogram.reduce((a, b) => a + b, 0),
    }));

describe('path telemetry', () => {
  let a: TestApp;
  let b: TestApp;
  let ds: DataSource;
  let repo: PathTelemetryRepository;
  let window: [number, number];

  beforeAll(async () => {
    a = await startTestApp(ENV);
    b = await startTestApp({ ...ENV, MIGRATE_ON_START: 'false' }, a.db);
    ds = a.app.get(DataSource);
    repo = a.app.get(PathTelemetryRepository);
    await a.app.get(FlagsService).set(DASHBOARD_FLAG, true, { actor: 'suite', reason: 'telemetry suite' });
    await waitFor(async () => b.app.get(FlagsService).isEnabled(DASHBOARD_FLAG), 5000);
  }, 90_000);

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('adds every flush to the minute rows, and reads totals, a dense series and signals', async () => {
    await repo.addBuckets([
      bucket({ calls: 3, latencyMsSum: 24 }),
      bucket({ path: 'fallback', reason: 'no_candidate' }),
    ]);
    await repo.addBuckets([
      bucket({ calls: 2, errors: 1, latencyMsSum: 16 }),
      bucket({ minute: M + 2, path: 'legacy', calls: 4 }),
      bucket({ phase: 8, calls: 100 }),
    ]);
    await repo.addSignals([{ minute: M, phase: 7, signal: 'candidates_found', count: 2, sum: 2, max: 1 }]);
    await repo.addSignals([
      { minute: M + 1, phase: 7, signal: 'candidates_found', count: 3, sum: 3, max: 1 },
      { minute: M + 1, phase: 7, signal: 'cache_age_s', count: 1, sum: 40, max: 40 },
      { minute: M + 2, phase: 7, signal: 'cache_age_s', count: 1, sum: 10, max: 10 },
    ]);

    const hist = (n: number) => Object.assign(emptyHistogram(), { 1: n });
    const row = (path: string, reason: string, calls: number, errors: number, latencyMsSum: number) => ({
      operation: 'assign_on_spawn',
      path,
      reason,
      calls,
      errors,
      latencyMsSum,
      histogram: hist(calls),
    });
    expect(await repo.totals(7, M, M + 3)).toEqual([
      row('fallback', 'no_candidate', 1, 0, 8),
      row('legacy', '', 4, 0, 8),
      row('new', '', 5, 1, 40),
    ]);
    expect(await repo.totals(7, M + 1, M + 2)).toEqual([]);

    const series = await repo.series(7, M, M + 3, 2);
    expect(series).toHaveLength(6);
    expect(series.filter((p) => p.minute === M)).toEqual([
      { minute: M, path: 'new', calls: 5, errors: 1, fallbacks: 0, p95Ms: expect.any(Number) },
      { minute: M, path: 'legacy', calls: 0, errors: 0, fallbacks: 0, p95Ms: null },
      { minute: M, path: 'fallback', calls: 1, errors: 0, fallbacks: 1, p95Ms: expect.any(Number) },
    ]);
    expect(series.filter((p) => p.minute === M + 2).map((p) => p.calls)).toEqual([0, 4, 0]);

    expect(await repo.signals(7, M, M + 3)).toEqual([
      { signal: 'cache_age_s', count: 2, sum: 50, max: 40 },
      { signal: 'candidates_found', count: 5, sum: 5, max: 1 },
    ]);
  });

  it("two replicas' gated calls add up exactly in the shared buckets, a failed flush losing nothing", async () => {
    const from = epochMinute(new Date());
    await gatedCalls(a, { ok: 30, declined: 5, threw: 3, failed: 2 });
    await gatedCalls(b, { ok: 20, declined: 4, threw: 0, failed: 1 });
    a.app.get(PhaseTelemetry).signal(10, 'suite_gauge', 7);
    b.app.get(PhaseTelemetry).signal(10, 'suite_gauge', 9);

    // b's flush fails (its table is away): it keeps its counts and adds them at the next flush
    await ds.query('ALTER TABLE path_telemetry RENAME TO path_telemetry_away');
    await b.app.get(PhaseTelemetry).flush();
    await ds.query('ALTER TABLE path_telemetry_away RENAME TO path_telemetry');
    await gatedCalls(b, { ok: 1, declined: 0, threw: 0, failed: 0 });
    await a.app.get(PhaseTelemetry).flush();
    await b.app.get(PhaseTelemetry).flush();
    window = [from, epochMinute(new Date()) + 1];

    expect(summary(await repo.totals(10, ...window))).toEqual([
      { path: 'fallback', reason: 'error', calls: 3, errors: 0, histogramTotal: 3 },
      { path: 'fallback', reason: 'stale_view', calls: 5 + 2 + 4 + 1, errors: 3, histogramTotal: 12 },
      { path: 'new', reason: '', calls: 51, errors: 0, histogramTotal: 51 },
    ]);
    expect(summary(await repo.totals(7, ...window))).toEqual([
      { path: 'legacy', reason: '', calls: 51, errors: 0, histogramTotal: 51 },
    ]);
    expect(await repo.signals(10, ...window)).toContainEqual({ signal: 'suite_gauge', count: 2, sum: 16, max: 9 });
    // nothing held any more: another flush adds nothing
    await b.app.get(PhaseTelemetry).flush();
    expect(summary(await repo.totals(7, ...window))).toEqual([
      { path: 'legacy', reason: '', calls: 51, errors: 0, histogramTotal: 51 },
    ]);
  });

  it('serves the series, totals and signals to viewers, within bounds', async () => {
    const [from, to] = window.map((m) => new Date(m * 60_000).toISOString());
    const get = (query: string, role = Role.Viewer) =>
      a.http().get(`/api/v1/admin/telemetry?${query}`).set(a.auth(role));
    const res = await get(`phase=10&from=${from}&to=${to}&step=1`).expect(200);
    expect(res.body).toMatchObject({
      phase: 10,
      from,
      to,
      stepMinutes: 1,
      latencyBoundsMs: [5, 10, 25, 50, 100, 250, 500, 1000, 2500],
    });
    const series = res.body.series as Array<{ path: string; calls: number; fallbacks: number; at: string }>;
    expect(series).toHaveLength((window[1] - window[0]) * 3);
    const sum = (path: string, field: 'calls' | 'fallbacks') =>
      series.filter((p) => p.path === path).reduce((n, p) => n + p[field], 0);
    expect([
      sum('new', 'calls'),
      sum('fallback', 'calls'),
      sum('fallback', 'fallbacks'),
      sum('legacy', 'calls'),
    ]).toEqual([51, 15, 15, 0]);
    expect(res.body.signals).toContainEqual({ signal: 'suite_gauge', count: 2, sum: 16, max: 9 });

    const fields = async (query: string) =>
      ((await get(query).expect(400)).body.errors as Array<{ field: string }>).map((e) => e.field);
    expect(await fields('phase=10&from=2030-01-01T00:00:00Z&to=2030-03-01T00:00:00Z')).toEqual(['from']);
    expect(await fields('phase=10&from=2030-01-10T00:00:00Z&to=2030-01-01T00:00:00Z')).toEqual(['to']);
    expect(await fields('phase=10&from=2030-01-01T00:00:00Z&to=2030-01-03T00:00:00Z&step=1')).toEqual(['step']);
    expect(await fields('phase=x&from=yesterday')).toEqual(expect.arrayContaining(['phase', 'from']));
    await get('phase=99').expect(404);
    await a.http().get('/api/v1/admin/telemetry?phase=10').expect(401);
  });

  it('the retention job purges minute buckets older than 35 days and keeps the rest', async () => {
    const now = epochMinute(new Date());
    await repo.addBuckets([
      bucket({ minute: now - 36 * 1440 }),
      bucket({ minute: now - 34 * 1440, operation: 'kept' }),
    ]);
    await repo.addSignals([{ minute: now - 36 * 1440, phase: 7, signal: 'aged', count: 1, sum: 1, max: 1 }]);
    const cutoff = now - 35 * 1440;
    const older = async (table: string) =>
      Number(
        (
          await ds.query<Array<{ n: number | string }>>(`SELECT COUNT(*) AS n FROM ${table} WHERE minute < ?`, [cutoff])
        )[0].n,
      );
    expect([await older('path_telemetry'), await older('phase_signal')]).toEqual([5, 5]);
    const counts = await a.app.get(RetentionService).run({ signal: new AbortController().signal });
    expect(counts).toMatchObject({ 'path_telemetry.deleted': 5, 'phase_signal.deleted': 5 });
    expect([await older('path_telemetry'), await older('phase_signal')]).toEqual([0, 0]);
    expect((await repo.totals(7, cutoff, now)).filter((t) => t.operation === 'kept').map((t) => t.calls)).toEqual([1]);
  });

  it("records the phases' signals where they happen: a dashboard refresh and a dashboard read", async () => {
    const from = epochMinute(new Date());
    await a.app.get(DashboardRefreshService).refresh({ full: true });
    await a.http().get('/api/v1/dashboard/bottlenecks').set(a.auth(Role.Viewer)).expect(200);
    await a.app.get(PhaseTelemetry).flush();
    const signals = await repo.signals(10, from, epochMinute(new Date()) + 1);
    expect(signals.find((s) => s.signal === 'refresh_ms')?.count).toBe(VIEWS.length);
    expect(signals.find((s) => s.signal === 'view_age_s')).toMatchObject({ count: 1 });
  });

  it("records Phase 9's sync failures", async () => {
    const from = epochMinute(new Date());
    const context = { signal: new AbortController().signal } as JobRunContext;
    // no People API is configured here: the fetch fails
    await expect(a.app.get(PeopleSyncService).syncTeams(context)).rejects.toThrow();
    await a.app.get(PhaseTelemetry).flush();
    expect(await repo.signals(9, from, epochMinute(new Date()) + 1)).toContainEqual({
      signal: `${PEOPLE_JOBS.teams}_failed`,
      count: 1,
      sum: 1,
      max: 1,
    });
  });

  it('flushes what a replica holds when it shuts down', async () => {
    const from = epochMinute(new Date());
    const legacyCalls = async () =>
      summary(await repo.totals(7, from, epochMinute(new Date()) + 1)).reduce((n, t) => n + t.calls, 0);
    const before = await legacyCalls();
    await gatedCalls(b, { ok: 4, declined: 0, threw: 0, failed: 0 });
    expect(await legacyCalls()).toBe(before);
    await b.close();
    expect(await legacyCalls()).toBe(before + 4);
  });

  it("records Phase 7's assignment decision: candidates found or none", async () => {
    const from = epochMinute(new Date());
    await setFlag(a, RUNTIME_FLAG, true);
    await newJob(a, await buildLine(a, 2), 3);
    await a.app.get(PhaseTelemetry).flush();
    const decisions = (await repo.signals(7, from, epochMinute(new Date()) + 1)).filter((s) =>
      ['candidates_found', 'no_candidate'].includes(s.signal),
    );
    // one decision for the spawned batch, whichever way it went
    expect(decisions.reduce((n, s) => n + s.count, 0)).toBe(1);
    const spawns = (await repo.totals(7, from, epochMinute(new Date()) + 1)).filter(
      (t) => t.operation === 'assign_on_spawn',
    );
    expect(spawns.map((t) => [t.path, t.reason, t.calls])).toEqual([
      decisions[0].signal === 'no_candidate' ? ['fallback', 'no_candidate', 1] : ['new', '', 1],
    ]);
  });
});
