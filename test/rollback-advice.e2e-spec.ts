import { Role } from '../src/common/auth/role.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { emptyHistogram } from '../src/phases/telemetry/latency-histogram.js';
import { PathTelemetryRepository } from '../src/phases/telemetry/path-telemetry.repository.js';
import { epochMinute, type PathBucketRow } from '../src/phases/telemetry/path-telemetry.types.js';
import { buildPhasesCli, runPhasesCli } from './support/phases-cli-build.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { samplePhases } from './support/test-phases.js';

/** Telemetry rows for constructed situations -> the decision tree's answer, through REST and the CLI. */
describe('rollback advice', () => {
  let t: TestApp;
  let repo: PathTelemetryRepository;
  const now = epochMinute(new Date());

  /** `calls` on one path of a phase, `ago` minutes back, all at 8 ms (the 5-10 ms bucket). */
  const bucket = (phase: number, path: PathBucketRow['path'], calls: number, errors = 0, ago = 30): PathBucketRow => ({
    minute: now - ago,
    phase,
    operation: 'op',
    path,
    reason: path === 'fallback' ? 'error' : '',
    calls,
    errors,
    latencyMsSum: calls * 8,
    histogram: Object.assign(emptyHistogram(), { 1: calls }),
  });
  const advice = (query: string, role = Role.Supervisor) =>
    t.http().get(`/api/v1/admin/rollback/advice${query}`).set(t.auth(role));
  const flag = (key: string, on: boolean) => t.app.get(FlagsService).set(key, on, { actor: 'test', reason: 'setup' });
  const cli = (...args: string[]) =>
    runPhasesCli(['rollback', 'advise', ...args], {
      ...t.db.env,
      JOBS_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'false',
    });

  beforeAll(async () => {
    await buildPhasesCli();
    t = await startTestApp({ JOBS_ENABLED: 'false' }, undefined, samplePhases);
    repo = t.app.get(PathTelemetryRepository);
    await flag('sample_runtime', true);
    await flag('sample2_enabled', true);
    // 91: the new path's errors reach callers, 5% against the legacy path's 1%
    // 92: healthy calls, but 6 fallbacks in the last 24 h, and 4 more two days ago
    await repo.addBuckets([
      bucket(91, 'new', 5000, 250),
      bucket(91, 'legacy', 5000, 50),
      bucket(92, 'new', 5000),
      bucket(92, 'legacy', 5000),
      bucket(92, 'fallback', 6, 0, 60),
      bucket(92, 'fallback', 4, 0, 48 * 60),
    ]);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('answers per phase with the rule, the guardrails and the window it read', async () => {
    const res = await advice('').expect(200);
    expect(res.body.window.minutes).toBe(24 * 60);
    expect(res.body.advice).toBe('emergency');
    const by = (n: number) => res.body.phases.find((p: { phase: number }) => p.phase === n);
    expect(by(91)).toMatchObject({ advice: 'emergency', rule: 'blocking-failure' });
    expect(by(91).why).toMatch(/^error rate: new 5\.00% \(250\/5000\) vs legacy 1\.00% \(50\/5000\)/);
    expect(by(91).evidence).toMatchObject({
      acting: true,
      newPath: { calls: 5000, errors: 250 },
      legacy: { calls: 5000, errors: 50 },
    });
    expect(by(92)).toMatchObject({ advice: 'planned_rollback', rule: 'repeated-fallbacks' });
    expect(by(92).evidence).toMatchObject({ fallbacks: 6, fallbacksInRuleWindow: 6 });
    expect(by(92).guardrails).toContainEqual(
      expect.objectContaining({
        guardrail: 'fallback count',
        verdict: 'rollback',
        evidence: { fallbacks: 6, limit: 5 },
      }),
    );
    expect(res.body.thresholds).toMatchObject({ maxFallbacks: 5, rollbackDeviation: 0.1, fixForwardMinutes: 60 });
  });

  it("a longer window shows more, while the fallback rule keeps to the factory's 24 h", async () => {
    const res = await advice('?phase=92&window=3d').expect(200);
    expect(res.body.phases).toHaveLength(1);
    expect(res.body.phases[0].evidence).toMatchObject({ fallbacks: 10, fallbacksInRuleWindow: 6 });
    expect(res.body.window.minutes).toBe(3 * 24 * 60);
  });

  it('a fix within the hour goes forward, but never past an emergency', async () => {
    const res = await advice('?fixEta=30m').expect(200);
    const rules = Object.fromEntries(
      res.body.phases.map((p: { phase: number; advice: string }) => [p.phase, p.advice]),
    );
    expect(rules).toMatchObject({ 91: 'emergency', 92: 'fix_forward' });
  });

  it('shadow comparisons: wrong results while acting, a held shadow while only shadowing', async () => {
    // in the last 10 minutes: no call of the error spike 30 minutes ago, 5% of the results differ
    await repo.addSignals([
      { minute: now - 5, phase: 91, signal: 'shadow_agree', count: 4750, sum: 4750, max: 1 },
      { minute: now - 5, phase: 91, signal: 'shadow_different_move', count: 250, sum: 250, max: 1 },
      { minute: now - 5, phase: 91, signal: 'shadow_not_oem', count: 900, sum: 900, max: 1 },
    ]);
    let p91 = (await advice('?phase=91&window=10m').expect(200)).body.phases[0];
    expect(p91).toMatchObject({ advice: 'planned_rollback', rule: 'wrong-results' });
    expect(p91.evidence.comparisons).toEqual({ compared: 5000, disagreed: 250 });

    await flag('sample_runtime', false);
    await flag('sample_shadow', true);
    p91 = (await advice('?phase=91&window=10m').expect(200)).body.phases[0];
    expect(p91).toMatchObject({ advice: 'pause', rule: 'shadow-disagreement' });
    expect(p91.guardrails.map((g: { guardrail: string }) => g.guardrail)).toEqual(['shadow disagreement']);

    await flag('sample_shadow', false);
    p91 = (await advice('?phase=91').expect(200)).body.phases[0];
    expect(p91).toMatchObject({ advice: 'no_action', rule: 'phase-off' });
    expect(p91.state.flags.every((f: { effective: boolean }) => !f.effective)).toBe(true);
  });

  it('refuses bad input per field, an unknown phase, and roles below supervisor', async () => {
    const bad = await advice('?window=forever&fixEta=31d&phase=x').expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['phase', 'window']);
    const tooLong = await advice('?fixEta=31d').expect(400);
    expect(tooLong.body.errors).toEqual([{ field: 'fixEta', messages: [expect.stringMatching(/from 1m to 30d/)] }]);
    await advice('?phase=93').expect(404);
    await advice('', Role.Operator).expect(403);
  });

  it('the CLI gives the same answer, as JSON and as text', async () => {
    const json = await cli('--phase', '92', '--fix-eta', '30m', '--json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout.slice(json.stdout.indexOf('{')));
    expect(
      report.phases.map((p: { phase: number; advice: string; rule: string }) => [p.phase, p.advice, p.rule]),
    ).toEqual([[92, 'fix_forward', 'fix-forward']]);
    expect(report.phases[0].why).toMatch(/^fallback count: 6 fallbacks in 24 h \(limit 5\).*fix is expected in 30 min/);

    const text = await cli('--phase', '92');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Phase 92 .*: PLANNED_ROLLBACK \(repeated-fallbacks\)/);
    expect(text.stdout).toMatch(/fallback count\s+rollback\s+6 fallbacks in 24 h/);

    const bad = await cli('--window', '99d');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/window: must be a duration/);
  }, 120_000);
});
