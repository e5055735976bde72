import { Role } from '../src/common/auth/role.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { JobsService } from '../src/phases/jobs/jobs.service.js';
import { RollbackLog } from '../src/phases/rollback/rollback-log.service.js';
import { RollbackService } from '../src/phases/rollback/rollback.service.js';
import { ROLLOUT_GUARD_JOB, RolloutGuard } from '../src/phases/rollout/rollout-guard.service.js';
import { RolloutService } from '../src/phases/rollout/rollout.service.js';
import { emptyHistogram } from '../src/phases/telemetry/latency-histogram.js';
import { PathTelemetryRepository } from '../src/phases/telemetry/path-telemetry.repository.js';
import { PhaseTelemetry } from '../src/phases/telemetry/phase-telemetry.service.js';
import { epochMinute, type PathBucketRow } from '../src/phases/telemetry/path-telemetry.types.js';
import { buildPhasesCli, runPhasesCli } from './support/phases-cli-build.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { SamplePhase91, sampleNewPath, samplePhases } from './support/test-phases.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';
import { waitFor } from './support/wait.js';

const SECRET = 'rollout-guard-secret';
const HOUR = 3_600_000;

/** Calls of one path in one minute, every one in the 25-50 ms bucket. */
function bucket(at: Date, phase: number, path: PathBucketRow['path'], calls: number, errors = 0): PathBucketRow {
  const histogram = emptyHistogram();
  histogram[3] = calls;
  return {
    minute: epochMinute(at),
    phase,
    operation: 'sample',
    path,
    reason: path === 'fallback' ? 'error' : '',
    calls,
    errors,
    latencyMsSum: calls * 40,
    histogram,
  };
}

describe('rollout plans and their guard', () => {
  let t: TestApp;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let guard: RolloutGuard;
  let telemetry: PathTelemetryRepository;
  let flags: FlagsService;
  const signal = new AbortController().signal;
  const post = (path: string, body: Record<string, unknown>, role = Role.Admin) =>
    t.http().post(`/api/v1/admin/rollouts${path}`).set(t.auth(role)).send(body);
  const view = async (id: number) =>
    (await t.http().get(`/api/v1/admin/rollouts/${id}`).set(t.auth(Role.Viewer)).expect(200)).body as {
      plan: { status: string; currentStage: number; stageStartedAt: string; activePhase: number | null };
      events: Array<{ action: string; actor: string; reason: string; evidence: Record<string, unknown> | null }>;
    };

  beforeAll(async () => {
    await buildPhasesCli();
    hook = await startWebhookReceiver(SECRET);
    t = await startTestApp(
      { JOBS_ENABLED: 'false', ROLLBACK_WEBHOOK_URL: hook.url, ROLLBACK_WEBHOOK_SECRET: SECRET },
      undefined,
      samplePhases,
    );
    guard = t.app.get(RolloutGuard);
    telemetry = t.app.get(PathTelemetryRepository);
    flags = t.app.get(FlagsService);
  });
  afterAll(async () => {
    await t.close();
    await hook.close();
  });

  let planId = 0;

  it('starts a plan at its first stage, one live plan per phase, and refuses stages that do not parse', async () => {
    const bad = await post('', { phase: 91, stages: 'shadow,colour:red,5%,3%', reason: 'roll out' }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['stages.1']);
    const noShadow = await post('', { phase: 92, stages: 'shadow,100%', reason: 'roll out' }).expect(400);
    expect(noShadow.body.errors[0].messages[0]).toContain('has no shadow flag');

    const res = await post('', {
      phase: 91,
      stages: 'shadow@1h,10%@1h,100%@1h',
      minSample: 100,
      reason: 'roll the sample out',
    }).expect(201);
    planId = res.body.plan.id;
    expect(res.body.plan).toMatchObject({ status: 'active', currentStage: 0, activePhase: 91 });
    expect(res.body.plan.stages.map((s: { kind: string }) => s.kind)).toEqual(['shadow', 'percentage', 'full']);
    expect(flags.view('sample_shadow').enabled).toBe(true);
    expect(flags.view('sample_runtime').enabled).toBe(false);

    const again = await post('', { phase: 91, stages: '100%', reason: 'twice' }).expect(409);
    expect(again.body.code).toBe('ROLLOUT_ACTIVE');
  });

  it('the shadow gate holds while disagreements exceed the threshold; --force with a reason passes, audited', async () => {
    const started = new Date((await view(planId)).plan.stageStartedAt);
    await telemetry.addSignals([
      { minute: epochMinute(started), phase: 91, signal: 'shadow_agree', count: 500, sum: 0, max: 0 },
      { minute: epochMinute(started), phase: 91, signal: 'shadow_different_move', count: 3, sum: 0, max: 0 },
      // not compared: no OEM rule would have taken these scans
      { minute: epochMinute(started), phase: 91, signal: 'shadow_not_oem', count: 40, sum: 0, max: 0 },
    ]);
    // past its minimum duration (an hour), with the disagreements inside the trailing hour: they keep it
    expect(await guard.run({ signal }, new Date(started.getTime() + 50 * 60_000))).toEqual({ hold: 1 });
    expect((await view(planId)).plan.currentStage).toBe(0);
    // a whole trailing hour of agreement later, the gate opens: the early disagreements no longer hold it
    const later = new Date(started.getTime() + 70 * 60_000);
    await telemetry.addSignals([
      { minute: epochMinute(later), phase: 91, signal: 'shadow_agree', count: 200, sum: 0, max: 0 },
    ]);
    const rollouts = t.app.get(RolloutService);
    const [, open] = await rollouts.judge(await rollouts.get(planId), new Date(started.getTime() + 2 * HOUR));
    expect(open).toMatchObject({
      action: 'advance',
      reason: expect.stringContaining('0 disagreements in 200 compared'),
    });

    const refused = await post(`/${planId}/advance`, { reason: 'looks fine to me' }).expect(409);
    expect(refused.body.code).toBe('UNSAFE_REQUEST');
    expect(refused.body.message).toContain('3 disagreements in 503 compared');

    const forced = await post(`/${planId}/advance`, { reason: 'disagreements explained', force: true }).expect(200);
    expect(forced.body.plan.currentStage).toBe(1);
    const force = forced.body.events.find((e: { action: string }) => e.action === 'force');
    expect(force).toMatchObject({ actor: 'test-admin', reason: 'disagreements explained' });
    expect(flags.view('sample_shadow').enabled).toBe(false);
    expect(flags.view('sample_runtime')).toMatchObject({ enabled: true, rules: [{ percentage: 10 }] });
  });

  it('a healthy stage that met its minimums advances', async () => {
    const started = new Date((await view(planId)).plan.stageStartedAt);
    await telemetry.addBuckets([bucket(started, 91, 'new', 1000), bucket(started, 91, 'legacy', 9000)]);
    expect(await guard.run({ signal }, new Date(started.getTime() + 2 * HOUR))).toEqual({ advance: 1 });
    const after = await view(planId);
    expect(after.plan.currentStage).toBe(2);
    expect(after.events.at(-1)).toMatchObject({ action: 'advance', actor: 'guard', reason: 'every guardrail passed' });
    expect(flags.view('sample_runtime')).toMatchObject({ enabled: true, rules: [] });
  });

  it('a regression in the new path: one guard run rolls the phase back, and the log and the webhook say why', async () => {
    const started = new Date((await view(planId)).plan.stageStartedAt);
    // the regression, injected into the sample phase's real gated calls: each falls back, recorded by the telemetry
    const sample = t.app.get(SamplePhase91);
    sampleNewPath.failing = true;
    try {
      for (let i = 0; i < 6; i++) expect(await sample.work()).toBe('legacy');
    } finally {
      sampleNewPath.failing = false;
    }
    await t.app.get(PhaseTelemetry).flush();
    expect(await guard.run({ signal }, new Date(started.getTime() + 10 * 60_000))).toEqual({ rollback: 1 });

    const [entry] = await t.app.get(RollbackLog).list();
    expect(entry).toMatchObject({ kind: 'phase', phases: [91], actor: 'guard', method: 'guard', status: 'completed' });
    expect(entry.revertSchema).toBe(false);
    expect(entry.reason).toMatch(/^guardrail: fallback count: 6 fallbacks in 24 h \(limit 5\): more than the limit/);
    const finished = () => hook.of(entry.id).some((d) => d.notice.event === 'rollback.finished');
    await waitFor(async () => finished(), 5000, 20);
    const notices = hook.of(entry.id);
    expect(notices.slice(0, 2).map((d) => d.notice.event)).toEqual(['rollback.started', 'rollback.finished']);
    for (const d of notices)
      expect([d.notice.reason, d.notice.method, d.verified]).toEqual([entry.reason, 'guard', true]);
    expect(flags.view('sample_runtime')).toMatchObject({ enabled: false, rules: [] });
    expect(flags.view('sample_shadow').enabled).toBe(false);
    const after = await view(planId);
    expect(after.plan).toMatchObject({ status: 'rolled_back', activePhase: null });
    expect(after.events.at(-1)).toMatchObject({ action: 'rollback', actor: 'guard' });
    expect(after.events.at(-1)?.evidence).toMatchObject({ rollback: entry.id });
  });

  it('a moderate deviation pauses the stage with a notice; resume starts its window again', async () => {
    const rollouts = t.app.get(RolloutService);
    const begun = new Date(Date.now() - 3 * HOUR);
    const { plan } = await rollouts.plan(
      { phase: 92, stages: '10%@1h,100%', minSample: 100, reason: 'second sample', actor: 'test' },
      begun,
    );
    // 10.5% errors on the new path against 10% on legacy, over a million calls each: 3-5% worse
    await telemetry.addBuckets([
      bucket(begun, 92, 'new', 1_000_000, 105_000),
      bucket(begun, 92, 'legacy', 1_000_000, 100_000),
    ]);
    expect(await guard.run({ signal })).toEqual({ pause: 1 });
    const paused = await view(plan.id);
    expect(paused.plan.status).toBe('paused');
    expect(paused.events.at(-1)?.reason).toMatch(/^guardrail: error rate: new 10\.50% .* > 2\.00%/);
    await waitFor(async () => hook.deliveries.some((d) => d.notice.event === 'rollout.paused'), 5000, 20);
    const notice = hook.deliveries.find((d) => d.notice.event === 'rollout.paused');
    expect(notice?.verified).toBe(true);
    expect(notice?.notice).toMatchObject({ noticeStatus: 'PAUSED', phase: 92, reason: paused.events.at(-1)?.reason });
    // paused: still judged (its stage's flags still act), but only a rollback would act on it
    expect(await guard.run({ signal })).toEqual({ hold: 1 });

    await post(`/${plan.id}/resume`, { reason: 'fixed the error path' }).expect(200);
    expect(await guard.run({ signal })).toEqual({ hold: 1 });
    await post(`/${plan.id}/abort`, { reason: 'done testing' }).expect(200);
    expect((await view(plan.id)).plan).toMatchObject({ status: 'aborted', activePhase: null });
  });

  it('a paused plan is rolled back on a severe regression; a plan whose phase was rolled back outside it ends', async () => {
    const rollouts = t.app.get(RolloutService);
    // after the test above's buckets (3 hours ago), so this stage's window leaves them out
    const begun = new Date(Date.now() - 2 * HOUR);
    const first = await rollouts.plan(
      { phase: 92, stages: '10%@1h,100%', minSample: 100, reason: 'paused sample', actor: 'test' },
      begun,
    );
    // 30% errors on the new path against 10% on legacy: far over the rollback class
    await telemetry.addBuckets([bucket(begun, 92, 'new', 10_000, 3_000), bucket(begun, 92, 'legacy', 10_000, 1_000)]);
    await post(`/${first.plan.id}/pause`, { reason: 'a person holds it' }).expect(200);
    expect(await guard.run({ signal })).toEqual({ rollback: 1 });
    expect((await view(first.plan.id)).plan.status).toBe('rolled_back');
    expect(flags.view('sample2_enabled').enabled).toBe(false);

    const again = await rollouts.plan(
      { phase: 92, stages: '10%,100%', reason: 'second try', actor: 'test' },
      new Date(Date.now() - HOUR),
    );
    expect(flags.view('sample2_enabled').enabled).toBe(true);
    await t.app.get(RollbackService).rollback({ phase: 92, reason: 'a person rolled it back', actor: 'test' });
    expect(await guard.run({ signal })).toEqual({ ended: 1 });
    const ended = await view(again.plan.id);
    expect(ended.plan).toMatchObject({ status: 'aborted', activePhase: null });
    expect(ended.events.at(-1)).toMatchObject({ action: 'abort', actor: 'guard' });
    expect(ended.events.at(-1)?.reason).toMatch(/flags were changed outside the plan \(sample2_enabled is off\)/);
    expect(flags.view('sample2_enabled').enabled).toBe(false);
  });

  it('two replicas: the guard runs once per tick', async () => {
    const second = await startTestApp({ JOBS_ENABLED: 'false' }, t.db, samplePhases);
    try {
      const tick = new Date(Math.floor(Date.now() / 1000) * 1000);
      const runs = await Promise.all([t, second].map((r) => r.app.get(JobsService).tick(ROLLOUT_GUARD_JOB, tick)));
      expect(runs.filter((r) => r !== null)).toHaveLength(1);
      expect(runs.find((r) => r !== null)).toMatchObject({ status: 'succeeded' });
    } finally {
      await second.close();
    }
  });

  it('the CLI: rollout plan, a second plan refused (exit 2), status, abort', async () => {
    const cli = (...args: string[]) =>
      runPhasesCli(['rollout', ...args], { ...t.db.env, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false' });
    const json = (stdout: string) => JSON.parse(stdout.slice(stdout.indexOf('{'))) as Record<string, unknown>;
    const args = [
      '--phase',
      '92',
      '--stages',
      '10%,100%',
      '--min-duration',
      '1h',
      '--reason',
      'from the CLI',
      '--json',
    ];
    const planned = await cli('plan', ...args);
    expect({ code: planned.code, stderr: planned.stderr }).toEqual({ code: 0, stderr: '' });
    expect(json(planned.stdout)).toMatchObject({ ok: true, plan: { phase: 92, status: 'active', currentStage: 0 } });
    const twice = await cli('plan', ...args);
    expect(twice.code).toBe(2);
    expect(json(twice.stdout)).toMatchObject({ ok: false, code: 'ROLLOUT_ACTIVE' });
    const status = await cli('status', '--phase', '92');
    expect(status.stdout).toMatch(/Rollout \d+ of phase 92: active, stage 1 of 2 \(10%\)/);
    expect(status.stdout).toContain('Guard now: hold');
    const aborted = await cli('abort', '--phase', '92', '--reason', 'done from the CLI', '--json');
    expect(aborted.code).toBe(0);
    expect(json(aborted.stdout)).toMatchObject({ plan: { status: 'aborted', activePhase: null } });
  });

  it('the REST writes are for admins', async () => {
    await post('', { phase: 92, stages: '100%', reason: 'viewer tries' }, Role.Viewer).expect(403);
  });
});
