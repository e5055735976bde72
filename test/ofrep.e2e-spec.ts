import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { Role } from '../src/common/auth/role.js';
import { bucketOf, BUCKETS, flagSeed } from '../src/phases/flags/bucket.js';
import { FlagsService } from '../src/phases/flags/flags.service.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { samplePhases } from './support/test-phases.js';

/** The real OpenFeature server SDK with the OFREP provider, against the app on a real port. */
describe('OpenFeature remote evaluation (OFREP)', () => {
  let t: TestApp;
  let baseUrl: string;
  let forced: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' }, undefined, samplePhases);
    await t.app.listen(0, '127.0.0.1');
    baseUrl = await t.app.getUrl();
    forced = await startTestApp(
      { JOBS_ENABLED: 'false', FEATURE_FLAGS_FORCE_OFF: 'sample_shadow' },
      t.db,
      samplePhases,
    );
  });
  afterAll(async () => {
    await OpenFeature.close();
    await forced.close();
    await t.close();
  });

  const client = async (key: string, domain: string) => {
    await OpenFeature.setProviderAndWait(
      domain,
      new OFREPProvider({ baseUrl, headers: [['Authorization', `Bearer ${key}`]] }),
    );
    return OpenFeature.getClient(domain);
  };

  it('evaluates flags through the standard client, following changes', async () => {
    const of = await client(t.keys[Role.Viewer], 'viewer');
    expect(await of.getBooleanValue('sample_runtime', true)).toBe(false);
    await t.app.get(FlagsService).set('sample_runtime', true, { actor: 'test', reason: 'ofrep' });
    const details = await of.getBooleanDetails('sample_runtime', false);
    expect(details).toMatchObject({ value: true, reason: 'STATIC', variant: 'on' });
    expect(details.flagMetadata).toMatchObject({ phase: 91, stored: true, forcedOff: false });
  });

  it('evaluates targeting rules from the OpenFeature context: TARGETING_MATCH, SPLIT, DEFAULT, then STATIC', async () => {
    const flags = t.app.get(FlagsService);
    const change = { actor: 'test', reason: 'ofrep rules' };
    await flags.set('sample_runtime', true, change);
    await flags.setRules('sample_runtime', [{ scope: { stations: ['ST-WELD'] } }, { percentage: 50 }], change);
    const of = await client(t.keys[Role.Station], 'rules');

    const weld = await of.getBooleanDetails('sample_runtime', false, { targetingKey: 'T-1', station: 'ST-WELD' });
    expect(weld).toMatchObject({ value: true, reason: 'TARGETING_MATCH', variant: 'on' });
    expect(weld.flagMetadata).toMatchObject({ stored: true, rules: 2 });
    const seed = flagSeed('sample_runtime');
    const values = new Set<boolean>();
    for (let i = 0; i < 8; i++) {
      const targetingKey = `T-${i}`;
      const split = await of.getBooleanDetails('sample_runtime', true, { targetingKey, station: 'ST-CUT' });
      const value = bucketOf(seed, targetingKey) < BUCKETS / 2;
      expect(split).toMatchObject({ value, reason: 'SPLIT', variant: value ? 'on' : 'off' });
      values.add(value);
    }
    expect(values).toEqual(new Set([true, false]));
    // nothing to match or to bucket by: no rule takes it, so the flag's default (off)
    expect(await of.getBooleanDetails('sample_runtime', true, { station: 'ST-CUT' })).toMatchObject({
      value: false,
      reason: 'DEFAULT',
      variant: 'off',
    });

    await flags.setRules('sample_runtime', [], change);
    expect(await of.getBooleanDetails('sample_runtime', false, { station: 'ST-CUT' })).toMatchObject({
      value: true,
      reason: 'STATIC',
    });
  });

  it('answers an unknown flag with FLAG_NOT_FOUND, so the client falls back to its default', async () => {
    const of = await client(t.keys[Role.Station], 'station');
    const details = await of.getBooleanDetails('no_such_flag', true);
    expect(details).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
  });

  it('refuses clients without a valid key', async () => {
    await t.http().post('/ofrep/v1/evaluate/flags/sample_runtime').send({}).expect(401);
    await t.http().post('/ofrep/v1/evaluate/flags').set('Authorization', 'Bearer pgk_wrong').send({}).expect(401);
  });

  it('reports the kill switch as DISABLED with the stored value in metadata', async () => {
    await t.app.get(FlagsService).set('sample_shadow', true, { actor: 'test', reason: 'ofrep' });
    await forced.app.get(FlagsService).refresh();
    const res = await forced
      .http()
      .post('/ofrep/v1/evaluate/flags/sample_shadow')
      .set(forced.auth(Role.Viewer))
      .send({ context: { targetingKey: 'line-2' } })
      .expect(200);
    expect(res.body).toEqual({
      key: 'sample_shadow',
      value: false,
      reason: 'DISABLED',
      variant: 'off',
      metadata: { phase: 91, stored: true, forcedOff: true, rules: 0 },
      cacheable: false,
    });
  });

  it('evaluates in bulk with an ETag and answers 304 while nothing changed', async () => {
    const first = await t
      .http()
      .post('/ofrep/v1/evaluate/flags')
      .set(t.auth(Role.Viewer))
      .send({ context: {} })
      .expect(200);
    expect(first.body.flags.map((f: { key: string }) => f.key)).toEqual(
      expect.arrayContaining(['sample_runtime', 'sample_shadow', 'sample2_enabled']),
    );
    const etag = first.headers.etag;
    await t
      .http()
      .post('/ofrep/v1/evaluate/flags')
      .set(t.auth(Role.Viewer))
      .set('If-None-Match', etag)
      .send({})
      .expect(304);
    await t.app.get(FlagsService).set('sample2_enabled', true, { actor: 'test', reason: 'etag' });
    const changed = await t
      .http()
      .post('/ofrep/v1/evaluate/flags')
      .set(t.auth(Role.Viewer))
      .set('If-None-Match', etag)
      .send({})
      .expect(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('answers a malformed context with 400', async () => {
    const res = await t
      .http()
      .post('/ofrep/v1/evaluate/flags/sample_runtime')
      .set(t.auth(Role.Viewer))
      .send({ context: 'nope' })
      .expect(400);
    expect(res.body.errors[0].field).toBe('context');
  });
});
