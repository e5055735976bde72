import { Role } from '../src/common/auth/role.js';
import { bucketOf, BUCKETS, flagSeed } from '../src/phases/flags/bucket.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { RollbackService } from '../src/phases/rollback/rollback.service.js';
import { OEM_MODE } from '../src/oem/oem-flags.js';
import { assertBuilt, runCli } from './support/processes.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ACME = '^OEM-ACME-(?P<ref>PO-\\d+)-S(?P<seq>\\d+)$';
const WELD_ONLY = [{ scope: { stations: ['ST-WELD'] } }];

/** Targeting rules on a real phase flag: Phase 8's OEM mode, scoped by station and split by ticket. */
describe('flag targeting rules', () => {
  let t: TestApp;
  let forced: TestApp;
  let ticketSeq = 0;

  const putRules = (rules: unknown, reason = 'rollout step') =>
    t.http().put(`/api/v1/admin/flags/${OEM_MODE}/rules`).set(t.auth(Role.Admin)).send({ rules, reason });
  /** An ACME ticket with `steps` unmapped steps; returns its reference. */
  const ticket = async (steps = 1) => {
    const ref = `PO-${++ticketSeq}`;
    await t
      .http()
      .post('/api/v1/oem/tickets')
      .set(t.auth(Role.Supervisor))
      .send({
        customer: 'ACME',
        externalRef: ref,
        steps: Array.from({ length: steps }, (_, i) => ({ sequence: i + 1, name: `step ${i + 1}` })),
      })
      .expect(201);
    return ref;
  };
  /** Which path answered a scan: OEM mode, or the manual path (which knows no OEM barcode). */
  const scan = async (app: TestApp, stationCode: string, barcode: string) => {
    const res = await app.http().post('/api/v1/scans').set(app.auth(Role.Station)).send({ stationCode, barcode });
    return res.status === 200 && res.body.handledBy === 'oem' ? 'oem' : `manual ${res.status}`;
  };

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false', SCAN_DEDUP_WINDOW_MS: '0' });
    forced = await startTestApp({ JOBS_ENABLED: 'false', FEATURE_FLAGS_FORCE_OFF: OEM_MODE }, t.db);
    for (const stationCode of ['ST-CUT', 'ST-WELD'])
      await t
        .http()
        .post('/api/v1/oem/rules')
        .set(t.auth(Role.Supervisor))
        .send({ customer: 'ACME', stationCode, pattern: ACME, action: 'advance', priority: 5 })
        .expect(201);
    await t.app.get(FlagsService).set(OEM_MODE, true, { actor: 'test', reason: 'rules suite' });
  });
  afterAll(async () => {
    await forced.close();
    await t.close();
  });

  it('with a rule for station ST-WELD, sends only that station’s scans through OEM mode', async () => {
    const res = await putRules(WELD_ONLY, 'pilot on the weld station').expect(200);
    expect(res.body).toMatchObject({ key: OEM_MODE, enabled: true, rules: WELD_ONLY });
    const [weld, cut] = [await ticket(), await ticket()];
    expect(await scan(t, 'ST-WELD', `OEM-ACME-${weld}-S1`)).toBe('oem');
    expect(await scan(t, 'ST-CUT', `OEM-ACME-${cut}-S1`)).toBe('manual 404');
    // the cutting station's ticket was left alone; without rules the flag's own switch holds again: every station
    await putRules([], 'pilot over').expect(200);
    expect(await scan(t, 'ST-CUT', `OEM-ACME-${cut}-S1`)).toBe('oem');
  });

  it('keeps every ticket on one path across its whole route at 50%, as its bucket says', async () => {
    await putRules([{ percentage: 50 }]).expect(200);
    const seed = flagSeed(OEM_MODE);
    const paths = new Map<string, Set<string>>();
    for (let i = 0; i < 12; i++) {
      const ref = await ticket(2);
      const seen = new Set<string>();
      // start and finish each step, the first at the cutting station, the second at the weld
      for (const [station, seq] of [
        ['ST-CUT', 1],
        ['ST-CUT', 1],
        ['ST-WELD', 2],
        ['ST-WELD', 2],
      ] as const)
        seen.add(await scan(t, station, `OEM-ACME-${ref}-S${seq}`));
      paths.set(ref, seen);
      const expected = bucketOf(seed, `ACME ${ref}`) < BUCKETS / 2 ? 'oem' : 'manual 404';
      expect({ ref, paths: [...seen] }).toEqual({ ref, paths: [expected] });
    }
    const taken = new Set([...paths.values()].flatMap((s) => [...s]));
    expect(taken).toEqual(new Set(['oem', 'manual 404']));
    await putRules([], 'split over').expect(200);
  });

  it('lets the kill switch and an emergency rollback win over a matching rule', async () => {
    await putRules(WELD_ONLY).expect(200);
    await forced.app.get(FlagsService).refresh();
    expect(forced.app.get(FlagsService).view(OEM_MODE).rules).toEqual(WELD_ONLY);
    const ref = await ticket();
    expect(await scan(forced, 'ST-WELD', `OEM-ACME-${ref}-S1`)).toBe('manual 404');
    expect(await scan(t, 'ST-WELD', `OEM-ACME-${ref}-S1`)).toBe('oem');

    await t.app.get(RollbackService).rollback({ emergency: true, reason: 'scans misread', actor: 'test' });
    const next = await ticket();
    expect(await scan(t, 'ST-WELD', `OEM-ACME-${next}-S1`)).toBe('manual 404');
    // the rules stay beside the switch, for when the phase comes back
    expect(t.app.get(FlagsService).view(OEM_MODE)).toMatchObject({ enabled: false, rules: WELD_ONLY });
  });

  it('audits rule changes (who, when, why, old and new) and refuses bad rules field by field', async () => {
    const audit = await t
      .http()
      .get(`/api/v1/admin/flags/rules/audit?key=${OEM_MODE}&limit=2`)
      .set(t.auth(Role.Admin))
      .expect(200);
    expect(audit.body[0]).toMatchObject({ flagKey: OEM_MODE, before: null, after: WELD_ONLY, reason: 'rollout step' });
    expect(audit.body[1]).toMatchObject({ before: [{ percentage: 50 }], after: null, reason: 'split over' });
    expect(audit.body[0].actor).toEqual(expect.any(String));
    expect(Date.parse(audit.body[0].changedAt)).not.toBeNaN();

    const bad = await putRules([{ scope: { station: ['ST-WELD'] } }, { percentage: 150, bucketBy: 'serial' }]).expect(
      400,
    );
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'rules.0.scope.station',
      'rules.1.percentage',
      'rules.1.bucketBy',
    ]);
    await t
      .http()
      .put('/api/v1/admin/flags/no_such_flag/rules')
      .set(t.auth(Role.Admin))
      .send({ rules: [], reason: 'nothing' })
      .expect(404);
    await t
      .http()
      .put(`/api/v1/admin/flags/${OEM_MODE}/rules`)
      .set(t.auth(Role.Supervisor))
      .send({ rules: [], reason: 'not mine' })
      .expect(403);
  });

  it('sets and clears rules from the CLI, audited with the operator as actor; bad rules exit 1 naming the field', async () => {
    assertBuilt();
    const rules = JSON.stringify([{ scope: { stations: ['ST-WELD'] }, percentage: 25, bucketBy: 'token' }]);
    const set = await runCli(['flags', 'rules', 'set', OEM_MODE, rules, '--reason', 'cli pilot'], t.db.env);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/stations=ST-WELD 25% by token/);
    const bad = await runCli(['flags', 'rules', 'set', OEM_MODE, '[{"percentage":-1}]', '--reason', 'x'], t.db.env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/rules\.0\.percentage: must be a number from 0 to 100/);
    const cleared = await runCli(['flags', 'rules', 'clear', OEM_MODE, '--reason', 'cli pilot over'], t.db.env);
    expect(cleared.code).toBe(0);

    const audit = await t.app.get(FlagsService).rulesAudit({ key: OEM_MODE, limit: 2 });
    expect(audit.map((a) => [a.reason, a.before?.length ?? null, a.after?.length ?? null])).toEqual([
      ['cli pilot over', 1, null],
      ['cli pilot', 1, 1],
    ]);
    expect(audit[0].actor).toMatch(/^cli:/);
  });
});
