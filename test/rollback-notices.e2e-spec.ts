import { Role } from '../src/common/auth/role.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import type { RollbackRecord } from '../src/phases/rollback/rollback-record.js';
import { assertBuilt, runCli } from './support/processes.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { samplePhases } from './support/test-phases.js';
import { waitFor } from './support/wait.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';

const SECRET = 'test-secret-of-a-decent-length';
const CONTACT = 'line 2 on-call, extension 4711';
// generous: the receiver answers from this process's event loop, which the app under test
// shares, so on a loaded machine a healthy answer can take several hundred milliseconds
const TIMEOUT_MS = 1500;

/**
 * The rollback notices as a receiver gets them: signed, in the template's lifecycle order,
 * each with impact, workaround, next steps and contact and a plain-text rendering; retried
 * after a failure; and never holding a rollback up beyond the webhook's bound.
 */
describe('rollback notices (a real, verifying receiver)', () => {
  let t: TestApp;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const webhookEnv = () => ({
    ROLLBACK_WEBHOOK_URL: hook.url,
    ROLLBACK_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    ROLLBACK_WEBHOOK_SECRET: SECRET,
    ROLLBACK_CONTACT: CONTACT,
  });
  const admin = () => t.auth(Role.Admin);
  const rollBack92 = async (reason: string) => {
    await t.app.get(FlagsService).set('sample2_enabled', true, { actor: 'test', reason: 'setup' });
    return t.http().post('/api/v1/admin/rollbacks').set(admin()).send({ phase: 92, reason }).expect(201);
  };
  /** Waits until the receiver has taken (answered 2xx) the notice of `event` for `rollback`. */
  const delivered = (rollback: number, event: string) =>
    waitFor(async () => hook.of(rollback).some((d) => d.notice.event === event && d.answered === 200), 20_000);

  beforeAll(async () => {
    hook = await startWebhookReceiver(SECRET);
    t = await startTestApp({ JOBS_ENABLED: 'false', ...webhookEnv() }, undefined, samplePhases);
  });
  afterAll(async () => {
    await t.close();
    await hook.close();
  });

  it('signed notices follow the lifecycle: ROLLED BACK, INVESTIGATING, then RESOLVED once the resolution is written', async () => {
    const { body: rollback } = await rollBack92('incident 7: sample queue stuck');
    expect(rollback).toMatchObject({ status: 'completed', method: 'api', issues: [] });
    await delivered(rollback.id, 'rollback.investigating');
    const resolved = await t
      .http()
      .patch(`/api/v1/admin/rollbacks/${rollback.id}`)
      .set(admin())
      .send({ resolution: 'queue drained, fix deployed', rootCause: 'a lock never released', outcome: 'fixed' })
      .expect(200);
    expect(resolved.body).toMatchObject({
      resolution: 'queue drained, fix deployed',
      rootCause: 'a lock never released',
      outcome: 'fixed',
      method: 'api',
    });
    await delivered(rollback.id, 'rollback.resolved');

    const notices = hook.of(rollback.id);
    expect(notices.every((d) => d.verified && d.answered === 200)).toBe(true);
    expect(notices.map((d) => [d.notice.event, d.notice.noticeStatus])).toEqual([
      ['rollback.started', 'ROLLING BACK'],
      ['rollback.finished', 'ROLLED BACK'],
      ['rollback.investigating', 'INVESTIGATING'],
      ['rollback.resolved', 'RESOLVED'],
    ]);
    const legacy = t.app.get(PhaseRegistry).get(92).legacyFallback;
    for (const { notice } of notices) {
      expect(notice).toMatchObject({
        phases: [92],
        reason: 'incident 7: sample queue stuck',
        contact: CONTACT,
        impact: { phases: ['Phase 92 (Second sample phase (tests only))'], dataLoss: false },
        workaround: [`Phase 92 (Second sample phase (tests only)): ${legacy}`],
      });
      expect((notice.nextSteps as string[]).length).toBeGreaterThan(0);
      expect(notice.text).toContain(`Status: ${notice.noticeStatus}`);
      expect(notice.text).toContain(`Contact: ${CONTACT}`);
      expect(notice.text).toContain(legacy);
    }
    const last = notices[3].notice;
    expect(last).toMatchObject({ rootCause: 'a lock never released', resolution: 'queue drained, fix deployed' });
    expect(last.text).toMatch(
      /Root cause: a lock never released\nResolution: queue drained, fix deployed\nOutcome: fixed/,
    );
  });

  it('a receiver that answers 500 gets the same notice again, still before the next one', async () => {
    hook.answers.push(500);
    const { body: rollback } = await rollBack92('retry check');
    expect(rollback.status).toBe('completed');
    expect(rollback.issues[0]).toMatch(/^webhook rollback.started notice answered HTTP 500; retried in the background/);
    // the finished notice waits behind the retry at most its bound, and says so if it had to
    expect(rollback.issues.slice(1)).toEqual(
      rollback.issues.length > 1
        ? [expect.stringMatching(new RegExp(`^webhook rollback.finished notice waited ${TIMEOUT_MS} ms behind`))]
        : [],
    );
    await delivered(rollback.id, 'rollback.investigating');
    const notices = hook.of(rollback.id);
    expect(notices.map((d) => [d.notice.event, d.answered])).toEqual([
      ['rollback.started', 500],
      ['rollback.started', 200],
      ['rollback.finished', 200],
      ['rollback.investigating', 200],
    ]);
    // the same notice, byte for byte but for the signature's timestamp
    expect(notices[1].notice).toEqual(notices[0].notice);
    expect(notices.every((d) => d.verified)).toBe(true);
  });

  it('a receiver that stops answering does not hold the rollback beyond the webhook bound', async () => {
    hook.answers.push('hang', 'hang', 'hang');
    const started = Date.now();
    const { body: rollback } = await rollBack92('dead receiver');
    const tookMs = Date.now() - started;
    expect(rollback.status).toBe('completed');
    // two notices awaited, each at most one timeout (plus a moment to start); the retries run after the answer
    expect(tookMs).toBeLessThan(2 * TIMEOUT_MS + 1000);
    expect(rollback.issues.join('\n')).toContain(`rollback.started notice did not answer within ${TIMEOUT_MS} ms`);
    const steps = (rollback as RollbackRecord).steps.filter((s) => s.name !== 'log');
    expect(steps.every((s) => s.status === 'done' || s.status === 'skipped')).toBe(true);
    // the started notice is given up after its three attempts; the ones after it still go out
    await delivered(rollback.id, 'rollback.investigating');
    expect(hook.of(rollback.id).map((d) => [d.notice.event, d.answered])).toEqual([
      ['rollback.started', 'hang'],
      ['rollback.started', 'hang'],
      ['rollback.started', 'hang'],
      ['rollback.finished', 200],
      ['rollback.investigating', 200],
    ]);
  });

  it('the lean emergency path posts the same signed notices through the same sender', async () => {
    assertBuilt();
    const result = await runCli(['rollback', '--emergency', '--reason', 'lean with notices', '--yes', '--json'], {
      ...t.db.env,
      ...webhookEnv(),
      JOBS_ENABLED: 'false',
      LOG_LEVEL: 'error',
    });
    expect(result.code).toBe(0);
    const rollback = (JSON.parse(result.stdout) as { rollback: RollbackRecord }).rollback;
    expect(rollback).toMatchObject({ kind: 'emergency', method: 'lean-emergency', issues: [] });
    // the CLI exits only once its notices are out
    const notices = hook.of(rollback.id);
    expect(notices.map((d) => [d.notice.noticeStatus, d.verified])).toEqual([
      ['ROLLING BACK', true],
      ['ROLLED BACK', true],
      ['INVESTIGATING', true],
    ]);
    expect(notices[1].notice).toMatchObject({
      contact: CONTACT,
      reason: 'lean with notices',
      method: 'lean-emergency',
    });
    expect(notices[1].notice.text).toContain('Phase 92: its legacy path');
  });
});
