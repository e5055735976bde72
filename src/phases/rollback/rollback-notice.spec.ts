import { createHmac } from 'node:crypto';
import type { RollbackLogEntry } from './rollback-log.entity.js';
import { rollbackNotice } from './rollback-notice.js';
import { signature } from './rollback-webhook.js';

const entry = (fields: Partial<RollbackLogEntry> = {}): RollbackLogEntry => ({
  id: 12,
  kind: 'phase',
  phases: ',10,',
  revertSchema: false,
  backup: false,
  reason: 'dashboard queries slow the database',
  actor: 'cli:ops@host',
  requestId: null,
  status: 'completed',
  startedAt: new Date('2026-01-20T14:30:00.000Z'),
  finishedAt: new Date('2026-01-20T14:30:01.000Z'),
  durationMs: 1000,
  dataLoss: false,
  issues: [],
  resolution: null,
  steps: [],
  backupLocation: null,
  method: 'cli',
  rootCause: null,
  outcome: null,
  reEnabledAt: null,
  ...fields,
});

const context = {
  contact: 'ops on-call',
  phases: [{ number: 10, title: 'Dashboard', legacyFallback: 'the dashboard answers "Data unavailable"' }],
};

describe('rollback notice (the factory template)', () => {
  it('renders every section of the template as plain text', () => {
    const notice = rollbackNotice('rollback.finished', entry(), context);
    expect(notice.text).toBe(
      [
        '[Phasegate] Rollback #12: ROLLED BACK',
        'Status: ROLLED BACK',
        'Summary: Rollback of Phase 10 (Dashboard), by cli:ops@host, because: dashboard queries slow the database',
        'Impact:',
        '- phases: Phase 10 (Dashboard)',
        '- off since 2026-01-20T14:30:00.000Z',
        '- data loss: no',
        'Workaround (the legacy path):',
        '- Phase 10 (Dashboard): the dashboard answers "Data unavailable"',
        'Root cause: not known yet',
        'Resolution: not written yet',
        'Next steps:',
        '1. keep to the workaround until the phase is re-enabled',
        '2. find the root cause',
        '3. write the root cause, outcome and resolution: `phasegate phases resolve --rollback 12 --resolution TEXT --root-cause TEXT --outcome TEXT`',
        'Contact: ops on-call',
      ].join('\n'),
    );
  });

  it('a failed rollback is not announced as rolled back, and a resolved one names what was found', () => {
    expect(rollbackNotice('rollback.finished', entry({ status: 'failed' }), context).noticeStatus).toBe(
      'ROLLBACK FAILED',
    );
    const resolved = rollbackNotice(
      'rollback.resolved',
      entry({
        rootCause: 'a missing index',
        resolution: 'index added',
        outcome: 'fixed',
        reEnabledAt: new Date('2026-01-23T09:00:00.000Z'),
      }),
      context,
    );
    expect(resolved.impact.until).toBe('2026-01-23T09:00:00.000Z');
    expect(resolved.text).toContain('Root cause: a missing index\nResolution: index added\nOutcome: fixed');
    expect(resolved.nextSteps).toEqual(['re-enabled at 2026-01-23T09:00:00.000Z: watch it for 24 to 48 hours']);
  });

  it('without the registry (the lean path) names phases by number and points to their legacy path', () => {
    const notice = rollbackNotice('rollback.started', entry({ kind: 'emergency' }), { contact: 'x', phases: [] });
    expect(notice.workaround).toEqual(['Phase 10: its legacy path (`phasegate phases status` names it)']);
    expect(notice.summary).toMatch(/^Emergency rollback of every phase/);
  });

  it('signs "<timestamp>.<body>" with HMAC-SHA256, as the README tells receivers to check', () => {
    const body = '{"event":"rollback.started"}';
    const expected = createHmac('sha256', 'k'.repeat(16)).update(`1760000000.${body}`).digest('hex');
    expect(signature('k'.repeat(16), '1760000000', body)).toBe(`v1=${expected}`);
  });
});
