import type { EntityManager } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { ExtensionRegistry } from '../src/common/extension/extension-point.js';
import { AUTOMATIC_ASSIGNER, type AutomaticAssigner } from '../src/production/hooks/assignment-hook.js';
import { SCAN_PRE_HANDLER, type ScanPreHandler } from '../src/production/hooks/scan-hook.js';
import type { Assignment, JobRef, NodeRef, TokenRef } from '../src/production/production.types.js';
import type { ScanInput, ScanResult } from '../src/production/scan.types.js';
import { createLine, historyOf, startJob, tokensOf, type Line } from './production-fixtures.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** What Phase 7 and 8 see: the ports, called inside the core's transaction. */
describe('production: hooks for later phases', () => {
  let t: TestApp;
  let line: Line;
  let operatorIds: number[];
  let extensions: ExtensionRegistry;
  beforeAll(async () => {
    t = await startTestApp({ SCAN_DEDUP_WINDOW_MS: '0' });
    // the ports hold one occupant each: take the real Phase 7 and 8 ones off to test the ports alone
    extensions = t.app.get(ExtensionRegistry);
    extensions.replace(AUTOMATIC_ASSIGNER, []);
    extensions.replace(SCAN_PRE_HANDLER, []);
    line = await createLine(t, 'HOOKS');
    operatorIds = [];
    for (const code of ['OP-H1', 'OP-H2']) {
      operatorIds.push(
        (await t.http().post('/api/v1/operators').set(t.auth(Role.Supervisor)).send({ code, name: code }).expect(201))
          .body.id,
      );
    }
    await t
      .http()
      .put(`/api/v1/nodes/${line.node.A}/assignment`)
      .set(t.auth(Role.Supervisor))
      .send({ operatorCode: 'OP-H1' })
      .expect(200);
  });
  afterAll(() => t.close());

  it('lets a registered assigner decide per token in spawn and route, and the manual plan decide when it declines', async () => {
    const calls: Array<{ node: string; tokens: number; inTransaction: boolean }> = [];
    let decline = false;
    const assigner: AutomaticAssigner = {
      name: 'round-robin',
      assign: async (
        tokens: readonly TokenRef[],
        node: NodeRef,
        _job: JobRef,
        manager: EntityManager,
      ): Promise<Assignment[] | null> => {
        calls.push({
          node: node.code,
          tokens: tokens.length,
          inTransaction: manager.queryRunner?.isTransactionActive === true,
        });
        return decline ? null : tokens.map((_, i) => ({ accountId: operatorIds[i % 2], teamId: null }));
      },
    };
    extensions.replace(AUTOMATIC_ASSIGNER, [assigner]);
    try {
      const jobId = await startJob(t, line.graphId, 'J-HOOK-1', 4);
      const tokens = await tokensOf(t, jobId);
      const details = await Promise.all(
        tokens.map((x) => t.http().get(`/api/v1/tokens/${x.id}`).set(t.auth(Role.Viewer))),
      );
      expect(details.map((d) => d.body.assignedOperatorId)).toEqual([
        operatorIds[0],
        operatorIds[1],
        operatorIds[0],
        operatorIds[1],
      ]);
      expect(details[1].body.history[1]).toMatchObject({ type: 'assigned', payload: { path: 'auto' } });

      decline = true;
      const routed = await t
        .http()
        .post(`/api/v1/tokens/${tokens[1].id}/route`)
        .set(t.auth(Role.Operator))
        .send({ toNodeId: line.node.A })
        .expect(200);
      expect(routed.body.assignedOperatorId).toBe(operatorIds[0]);
      expect((await historyOf(t, tokens[1].id)).at(-1)).toMatchObject({
        type: 'assigned',
        payload: { path: 'manual' },
      });
      expect(calls).toEqual([
        { node: 'S', tokens: 4, inTransaction: true },
        { node: 'A', tokens: 1, inTransaction: true },
      ]);
    } finally {
      extensions.replace(AUTOMATIC_ASSIGNER, []);
    }
  });

  it('gives a registered scan pre-handler each scan first; null falls through to the manual path', async () => {
    const jobId = await startJob(t, line.graphId, 'J-HOOK-2', 1);
    const [token] = await tokensOf(t, jobId);
    const handler: ScanPreHandler = {
      name: 'oem',
      handle: async (scan: ScanInput): Promise<ScanResult | null> =>
        scan.barcode.startsWith('OEM-')
          ? { handledBy: 'oem', action: 'oem-step', token: null, message: `rule for ${scan.stationCode}` }
          : null,
    };
    extensions.replace(SCAN_PRE_HANDLER, [handler]);
    try {
      const oem = await t
        .http()
        .post('/api/v1/scans')
        .set(t.auth(Role.Station))
        .send({ stationCode: 'ST-X', barcode: 'OEM-42' })
        .expect(200);
      expect(oem.body).toMatchObject({
        handledBy: 'oem',
        action: 'oem-step',
        message: 'rule for ST-X',
        duplicate: false,
      });
      const manual = await t
        .http()
        .post('/api/v1/scans')
        .set(t.auth(Role.Station))
        .send({ stationCode: 'ST-S', barcode: token.serial })
        .expect(200);
      expect(manual.body).toMatchObject({ handledBy: 'manual', action: 'started' });
    } finally {
      extensions.replace(SCAN_PRE_HANDLER, []);
    }
  });
});
