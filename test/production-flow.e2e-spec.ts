import { Role } from '../src/common/auth/role.js';
import { createLine, historyOf, startJob, tokensOf, type Line } from './production-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('production: a job from graph to done, by station scans', () => {
  let t: TestApp;
  let line: Line;
  let ids: Record<string, number>;
  const sup = () => t.auth(Role.Supervisor);
  // the walk scans each token twice per station back to back, so de-duplication is off here
  beforeAll(async () => {
    t = await startTestApp({ SCAN_DEDUP_WINDOW_MS: '0' });
    line = await createLine(t, 'FLOW');
    ids = {};
    for (const code of ['OP-1', 'OP-2', 'OP-3']) {
      const res = await t
        .http()
        .post('/api/v1/operators')
        .set(sup())
        .send({ code, name: `Operator ${code}`, skills: ['qc'] })
        .expect(201);
      ids[code] = res.body.id;
    }
    const team = await t
      .http()
      .post('/api/v1/teams')
      .set(sup())
      .send({ code: 'T-PACK', name: 'Packers', memberCodes: ['OP-2', 'OP-3'] })
      .expect(201);
    expect(team.body.members.map((m: { code: string }) => m.code)).toEqual(['OP-2', 'OP-3']);
    ids['T-PACK'] = team.body.id;
    await t.http().put(`/api/v1/nodes/${line.node.A}/assignment`).set(sup()).send({ operatorCode: 'OP-1' }).expect(200);
    await t.http().put(`/api/v1/nodes/${line.node.Q}/assignment`).set(sup()).send({ operatorCode: 'OP-1' }).expect(200);
    await t.http().put(`/api/v1/nodes/${line.node.P}/assignment`).set(sup()).send({ teamCode: 'T-PACK' }).expect(200);
  });
  afterAll(() => t.close());

  it('spawns tokens at the start node with printable serials, once', async () => {
    const jobId = await startJob(t, line.graphId, 'J-FLOW-1', 3, false);
    const spawned = await t.http().post(`/api/v1/jobs/${jobId}/spawn`).set(sup()).expect(200);
    expect(spawned.body).toEqual({ jobId, spawned: 3, firstSerial: 'J-FLOW-1-0001', lastSerial: 'J-FLOW-1-0003' });
    const again = await t.http().post(`/api/v1/jobs/${jobId}/spawn`).set(sup()).expect(409);
    expect(again.body.code).toBe('ALREADY_SPAWNED');
    const tokens = await tokensOf(t, jobId);
    expect(tokens.map((x) => [x.serial, x.nodeCode, x.status])).toEqual([
      ['J-FLOW-1-0001', 'S', 'waiting'],
      ['J-FLOW-1-0002', 'S', 'waiting'],
      ['J-FLOW-1-0003', 'S', 'waiting'],
    ]);
    const job = await t.http().get(`/api/v1/jobs/${jobId}`).set(t.auth(Role.Viewer)).expect(200);
    expect(job.body).toMatchObject({ status: 'in_progress', openTokens: 3 });
  });

  it('walks every token through every node by scans, QC fail through rework, and records the history', async () => {
    const jobId = await startJob(t, line.graphId, 'J-FLOW-2', 2);
    await t
      .http()
      .put(`/api/v1/jobs/${jobId}/assignments/${line.node.Q}`)
      .set(sup())
      .send({ operatorCode: 'OP-3' })
      .expect(200);
    const [good, bad] = await tokensOf(t, jobId);
    const scan = (barcode: string, stationCode: string, outcome?: string) =>
      t
        .http()
        .post('/api/v1/scans')
        .set(t.auth(Role.Station))
        .send({ stationCode, barcode, ...(outcome ? { outcome } : {}) })
        .expect(200);

    const walk = async (serial: string, stations: string[], qcOutcome: string) => {
      const actions: string[] = [];
      for (const station of stations) {
        actions.push((await scan(serial, station)).body.action);
        const done = await scan(serial, station, station === 'ST-Q' ? qcOutcome : undefined);
        actions.push(`${done.body.action}->${done.body.token.nodeCode}`);
      }
      return actions;
    };
    expect(await walk(good.serial, ['ST-S', 'ST-A', 'ST-Q', 'ST-P'], 'pass')).toEqual([
      'started',
      'completed->A',
      'started',
      'completed->Q',
      'started',
      'completed->P',
      'started',
      'finished->E',
    ]);
    expect(await walk(bad.serial, ['ST-S', 'ST-A', 'ST-Q', 'ST-R', 'ST-P'], 'fail')).toEqual([
      'started',
      'completed->A',
      'started',
      'completed->Q',
      'started',
      'completed->R',
      'started',
      'completed->P',
      'started',
      'finished->E',
    ]);

    const history = await historyOf(t, good.id);
    expect(history.map((e) => `${e.type}@${e.nodeCode}`)).toEqual([
      'spawned@S',
      'started@S',
      'completed@S',
      'routed@A',
      'assigned@A',
      'started@A',
      'completed@A',
      'routed@Q',
      'assigned@Q',
      'started@Q',
      'completed@Q',
      'routed@P',
      'assigned@P',
      'started@P',
      'completed@P',
      'routed@E',
      'finished@E',
    ]);
    // the job's override wins over the node plan at Q; the team plan applies at P
    expect(history.find((e) => e.type === 'assigned' && e.nodeCode === 'Q')).toMatchObject({
      operatorId: ids['OP-3'],
      payload: { path: 'manual' },
    });
    expect(history.find((e) => e.type === 'assigned' && e.nodeCode === 'P')!.payload).toMatchObject({
      teamId: ids['T-PACK'],
      accountId: null,
    });
    expect(history.find((e) => e.type === 'completed' && e.nodeCode === 'Q')!.payload).toEqual({ outcome: 'pass' });
    const badHistory = await historyOf(t, bad.id);
    expect(badHistory.filter((e) => e.type === 'routed').map((e) => e.nodeCode)).toEqual(['A', 'Q', 'R', 'P', 'E']);

    const job = await t.http().get(`/api/v1/jobs/${jobId}`).set(t.auth(Role.Viewer)).expect(200);
    expect(job.body).toMatchObject({ status: 'done', openTokens: 0 });
    const finished = await t
      .http()
      .post('/api/v1/scans')
      .set(t.auth(Role.Station))
      .send({ stationCode: 'ST-P', barcode: good.serial })
      .expect(409);
    expect(finished.body.code).toBe('INVALID_STATE');
  });

  it('refuses unknown barcodes (404) and scans at the wrong station (409 WRONG_STATION)', async () => {
    const jobId = await startJob(t, line.graphId, 'J-FLOW-3', 1);
    const [token] = await tokensOf(t, jobId);
    const unknown = await t
      .http()
      .post('/api/v1/scans')
      .set(t.auth(Role.Station))
      .send({ stationCode: 'ST-S', barcode: 'NO-SUCH-0001' })
      .expect(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    const wrong = await t
      .http()
      .post('/api/v1/scans')
      .set(t.auth(Role.Station))
      .send({ stationCode: 'ST-A', barcode: token.serial })
      .expect(409);
    expect(wrong.body).toMatchObject({ code: 'WRONG_STATION', nodeCode: 'S', expectedStation: 'ST-S' });
    // a refused scan is not remembered: the right station still works at once
    await t
      .http()
      .post('/api/v1/scans')
      .set(t.auth(Role.Station))
      .send({ stationCode: 'ST-S', barcode: token.serial })
      .expect(200);
    expect((await historyOf(t, token.id)).map((e) => e.type)).toEqual(['spawned', 'started']);
  });

  it('moves tokens by REST: start, complete with outcome, route along edges only, scrap', async () => {
    const jobId = await startJob(t, line.graphId, 'J-FLOW-4', 2);
    const [a, b] = await tokensOf(t, jobId);
    const op = t.auth(Role.Operator);
    await t
      .http()
      .post(`/api/v1/tokens/${a.id}/complete`)
      .set(op)
      .send({})
      .expect(409)
      .expect((r) => expect(r.body.code).toBe('INVALID_STATE'));
    const started = await t
      .http()
      .post(`/api/v1/tokens/${a.id}/start`)
      .set(op)
      .send({ operatorCode: 'OP-2' })
      .expect(200);
    expect(started.body).toMatchObject({ status: 'in_progress', nodeCode: 'S', version: 2 });
    const completed = await t
      .http()
      .post(`/api/v1/tokens/${a.id}/complete`)
      .set(op)
      .send({ operatorCode: 'OP-2' })
      .expect(200);
    expect(completed.body).toMatchObject({
      status: 'waiting',
      nodeCode: 'A',
      assignedOperatorId: ids['OP-1'],
      version: 3,
    });

    const noEdge = await t
      .http()
      .post(`/api/v1/tokens/${a.id}/route`)
      .set(op)
      .send({ toNodeId: line.node.P })
      .expect(409);
    expect(noEdge.body.code).toBe('NO_SUCH_EDGE');
    await t.http().post(`/api/v1/tokens/${a.id}/route`).set(op).send({ toNodeId: line.node.Q }).expect(200);
    const needsOutcome = await t
      .http()
      .post(`/api/v1/tokens/${a.id}/route`)
      .set(op)
      .send({ toNodeId: line.node.R })
      .expect(409);
    expect(needsOutcome.body.code).toBe('OUTCOME_REQUIRED');
    const wrongOutcome = await t
      .http()
      .post(`/api/v1/tokens/${a.id}/route`)
      .set(op)
      .send({ toNodeId: line.node.R, outcome: 'pass' })
      .expect(409);
    expect(wrongOutcome.body.code).toBe('NO_SUCH_EDGE');
    const routed = await t
      .http()
      .post(`/api/v1/tokens/${a.id}/route`)
      .set(op)
      .send({ toNodeId: line.node.R, outcome: 'fail' })
      .expect(200);
    expect(routed.body).toMatchObject({ nodeCode: 'R', status: 'waiting', assignedOperatorId: null });

    const stale = await t
      .http()
      .post(`/api/v1/tokens/${b.id}/scrap`)
      .set(op)
      .send({ reason: 'dropped', expectedVersion: 7 })
      .expect(409);
    expect(stale.body.code).toBe('CONCURRENT_UPDATE');
    await t
      .http()
      .post(`/api/v1/tokens/${b.id}/scrap`)
      .set(op)
      .send({ reason: 'dropped', expectedVersion: 1 })
      .expect(200);
    const detail = await t.http().get(`/api/v1/tokens/${b.id}`).set(t.auth(Role.Viewer)).expect(200);
    expect(detail.body).toMatchObject({ status: 'scrapped', version: 2 });
    expect(detail.body.history.at(-1)).toMatchObject({ type: 'scrapped', payload: { reason: 'dropped' } });
    expect((await t.http().get(`/api/v1/jobs/${jobId}`).set(t.auth(Role.Viewer))).body.openTokens).toBe(1);

    const cancelled = await t
      .http()
      .post(`/api/v1/jobs/${jobId}/cancel`)
      .set(sup())
      .send({ reason: 'order withdrawn' })
      .expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', openTokens: 0 });
    expect((await historyOf(t, a.id)).at(-1)).toMatchObject({
      type: 'scrapped',
      nodeCode: 'R',
      payload: { reason: 'job cancelled: order withdrawn' },
    });
  });

  it('freezes a graph once a job uses it', async () => {
    const body = {
      name: 'changed',
      nodes: [
        { code: 'S', name: 's', kind: 'start' },
        { code: 'E', name: 'e', kind: 'end' },
      ],
      edges: [{ from: 'S', to: 'E' }],
    };
    const put = await t.http().put(`/api/v1/graphs/${line.graphId}`).set(sup()).send(body).expect(409);
    expect(put.body).toMatchObject({ code: 'GRAPH_IN_USE', graphId: line.graphId });
    await t.http().delete(`/api/v1/graphs/${line.graphId}`).set(sup()).expect(409);
    const fresh = await createLine(t, 'FLOW-UNUSED');
    const replaced = await t.http().put(`/api/v1/graphs/${fresh.graphId}`).set(sup()).send(body).expect(200);
    expect(replaced.body).toMatchObject({
      name: 'changed',
      inUse: false,
      edges: [{ from: 'S', to: 'E', outcome: null }],
    });
    await t.http().delete(`/api/v1/graphs/${fresh.graphId}`).set(sup()).expect(204);
    await t.http().get(`/api/v1/graphs/${fresh.graphId}`).set(t.auth(Role.Viewer)).expect(404);
  });
});
