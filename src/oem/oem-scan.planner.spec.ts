import { jest } from '@jest/globals';
import type { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import type { Environment } from '../config/environment.js';
import { JobStatus } from '../production/entities/job-ticket.entity.js';
import { TokenStatus } from '../production/entities/token.entity.js';
import { OemStepStatus, OemTicketStatus } from './entities/oem-job-ticket.entity.js';
import { OemRuleAction } from './entities/oem-scan-rule.entity.js';
import type { ActiveRule } from './oem-rules.repository.js';
import { OemScanPlanner, reachedState, type OemPlan } from './oem-scan.planner.js';
import type { PlanMode } from './oem-scan.types.js';
import type { OemScanRepository, ScanTicket } from './oem-scan.repository.js';
import { SafePattern, type BarcodeMatch } from './safe-pattern.js';

/** The scan path's ticket read in memory: tickets by customer and reference; every read is logged. */
class FakeOemScanRepository implements Pick<OemScanRepository, 'findTicket'> {
  readonly reads: string[] = [];
  constructor(private readonly tickets: ScanTicket[]) {}

  async findTicket(
    _em: EntityManager,
    _mode: PlanMode,
    customer: string,
    match: BarcodeMatch,
  ): Promise<ScanTicket | null> {
    this.reads.push(`${customer} ${match.ref}`);
    return this.tickets.find((t) => t.customer === customer && t.externalRef === match.ref) ?? null;
  }
}

const ACME = '^OEM-ACME-(?P<ref>PO-\\d+)-S(?P<seq>\\d+)$';
const GLOBEX = '^OEM-GLOBEX-(?P<ref>G-\\d+)$';
const rule = (
  id: number,
  stationCode: string,
  customer: string,
  pattern: string,
  action = OemRuleAction.Advance,
): ActiveRule => ({ id, customer, stationCode, pattern, action });

function ticket(
  ref: string,
  options: {
    customer?: string;
    status?: OemTicketStatus;
    sequence?: number;
    stepStatus?: OemStepStatus;
    nodeId?: number;
    token?: { nodeId: number; status: TokenStatus };
  } = {},
): ScanTicket {
  const sequence = options.sequence ?? 1;
  // as the repository reads it: the token with the ticket when it is at the step's node, else only its id
  const { token } = options;
  const atNode = token !== undefined && token.nodeId === options.nodeId;
  return {
    id: 40 + (Number(ref.replace(/\D/g, '')) % 100),
    customer: options.customer ?? 'ACME',
    externalRef: ref,
    jobId: token ? 7 : null,
    status: options.status ?? OemTicketStatus.Open,
    currentSequence: sequence,
    stepCount: 3,
    stored: { version: 4, stepStatus: options.stepStatus ?? OemStepStatus.Pending },
    step: {
      id: 100 + sequence,
      name: `Step ${sequence}`,
      status: options.stepStatus ?? OemStepStatus.Pending,
      ...(options.nodeId ? { nodeCode: 'N-WELD', nodeId: options.nodeId } : { nodeCode: null, nodeId: null }),
    },
    tokenElsewhere: token && !atNode && options.nodeId !== undefined ? 9 : null,
    token: atNode
      ? {
          token: {
            id: 9,
            serial: 'T-9',
            jobId: 7,
            currentNodeId: token.nodeId,
            status: token.status,
            assignedAccountId: null,
            assignedTeamId: null,
            version: 2,
          },
          job: {
            id: 7,
            code: 'J-7',
            graphId: 1,
            productCode: 'P',
            quantity: 1,
            priority: 0,
            status: JobStatus.InProgress,
            dueAt: null,
          },
        }
      : null,
  };
}

function planner(tickets: ScanTicket[]) {
  const repository = new FakeOemScanRepository(tickets);
  const config = { get: () => 'OEM-' } as unknown as ConfigService<Environment, true>;
  return { repository, planner: new OemScanPlanner(repository as unknown as OemScanRepository, config) };
}

const em = {} as EntityManager;
const scanAt = (stationCode: string, barcode: string) => ({ stationCode, barcode, outcome: 'pass' as const });

function refusal(plan: OemPlan) {
  if (plan.kind !== 'refused') throw new Error(`expected a refusal, got ${plan.kind}`);
  return { code: plan.error.code, remember: plan.remember, details: plan.error.details };
}

describe('OemScanPlanner (against an in-memory ticket read)', () => {
  const rules = [
    rule(1, 'ST-CUT', 'ACME', ACME),
    rule(2, 'ST-WELD', 'ACME', ACME),
    rule(3, 'ST-QC', 'GLOBEX', GLOBEX, OemRuleAction.Complete),
  ];

  it('accepts the scan of the current step: a pending step without a node starts, and no token moves', async () => {
    const { planner: p } = planner([ticket('PO-1001')]);
    const plan = await p.plan(scanAt('ST-CUT', 'OEM-ACME-PO-1001-S1'), rules, em, 'live');
    expect(plan.kind).toBe('apply');
    if (plan.kind !== 'apply') return;
    expect(plan.move).toMatchObject({
      ruleId: 1,
      to: OemStepStatus.Active,
      step: { id: 101, sequence: 1, status: OemStepStatus.Pending },
      stored: { version: 4 },
      token: null,
    });
    expect(reachedState(plan.move)).toEqual({
      status: OemTicketStatus.InProgress,
      sequence: 1,
      stepStatus: OemStepStatus.Active,
    });
  });

  it('completes a step at its node, starting the waiting token first, and hands over to the next step', async () => {
    const { planner: p } = planner([
      ticket('G-501', { customer: 'GLOBEX', nodeId: 5, token: { nodeId: 5, status: TokenStatus.Waiting } }),
    ]);
    const plan = await p.plan(scanAt('ST-QC', 'OEM-GLOBEX-G-501'), rules, em, 'live');
    if (plan.kind !== 'apply') throw new Error(`expected a move, got ${plan.kind}`);
    expect(plan.move.to).toBe(OemStepStatus.Done);
    expect(plan.move.token).toMatchObject({ id: 9, nodeCode: 'N-WELD', ops: ['start', 'complete'] });
    expect(reachedState(plan.move)).toEqual({
      status: OemTicketStatus.InProgress,
      sequence: 2,
      stepStatus: OemStepStatus.Pending,
    });
  });

  it('refuses a duplicate scan of a step already passed as out of order, naming the step that is next, and does not remember it', async () => {
    const { planner: p } = planner([ticket('PO-1001', { status: OemTicketStatus.InProgress, sequence: 2 })]);
    const plan = await p.plan(scanAt('ST-CUT', 'OEM-ACME-PO-1001-S1'), rules, em, 'live');
    expect(refusal(plan)).toEqual({
      code: 'STEP_OUT_OF_ORDER',
      remember: false,
      details: { ticketId: 41, expectedSequence: 2, scannedSequence: 1 },
    });
  });

  it('refuses a barcode that only a rule of another station takes, remembered, without reading a ticket', async () => {
    const { planner: p, repository } = planner([ticket('PO-1001')]);
    const plan = await p.plan(scanAt('ST-PACK', 'OEM-ACME-PO-1001-S1'), rules, em, 'live');
    expect(refusal(plan)).toEqual({
      code: 'NO_RULE',
      remember: true,
      details: { stationCode: 'ST-PACK', barcode: 'OEM-ACME-PO-1001-S1', ruleStation: 'ST-CUT' },
    });
    expect(repository.reads).toEqual([]);
  });

  it('refuses an OEM-looking barcode for an unknown ticket, and leaves anything else to the manual path', async () => {
    const { planner: p, repository } = planner([]);
    const cutOnly = rules.slice(0, 1);
    expect(refusal(await p.plan(scanAt('ST-CUT', 'OEM-ACME-PO-9-S1'), cutOnly, em, 'live'))).toMatchObject({
      code: 'NO_RULE',
      remember: true,
      details: { ruleStation: null },
    });
    expect(repository.reads).toEqual(['ACME PO-9']);
    expect(refusal(await p.plan(scanAt('ST-CUT', 'OEM-NEW-CUSTOMER-1'), rules, em, 'live'))).toMatchObject({
      code: 'NO_RULE',
      remember: true,
    });
    expect(await p.plan(scanAt('ST-CUT', 'T-000123'), rules, em, 'live')).toEqual({ kind: 'not_oem' });
  });

  it('refuses a cancelled ticket, and a skip of a step already started', async () => {
    const { planner: p } = planner([
      ticket('PO-1001', { status: OemTicketStatus.Cancelled }),
      ticket('PO-1002', { stepStatus: OemStepStatus.Active }),
    ]);
    expect(refusal(await p.plan(scanAt('ST-CUT', 'OEM-ACME-PO-1001-S1'), rules, em, 'live'))).toEqual({
      code: 'INVALID_STATE',
      remember: false,
      details: { ticketId: 41, status: OemTicketStatus.Cancelled },
    });
    const skip = [rule(4, 'ST-CUT', 'ACME', ACME, OemRuleAction.Skip)];
    expect(refusal(await p.plan(scanAt('ST-CUT', 'OEM-ACME-PO-1002-S1'), skip, em, 'live'))).toMatchObject({
      code: 'INVALID_STATE',
      details: { stepStatus: OemStepStatus.Active },
    });
  });

  it("refuses a step mapped to a node the job's token has not reached yet", async () => {
    const { planner: p } = planner([
      ticket('PO-1003', { nodeId: 5, token: { nodeId: 4, status: TokenStatus.InProgress } }),
    ]);
    const plan = await p.plan(scanAt('ST-WELD', 'OEM-ACME-PO-1003-S1'), rules, em, 'live');
    expect(refusal(plan)).toEqual({
      code: 'STEP_OUT_OF_ORDER',
      remember: false,
      details: { ticketId: 43, expectedSequence: 1, tokenId: 9, nodeCode: 'N-WELD' },
    });
  });

  it("tries the station's rules in order and takes the first that names a known ticket", async () => {
    const { planner: p, repository } = planner([ticket('PO-1001', { customer: 'BETA' })]);
    const ordered = [rule(7, 'ST-CUT', 'ACME', ACME), rule(8, 'ST-CUT', 'BETA', ACME)];
    const plan = await p.plan(scanAt('ST-CUT', 'OEM-ACME-PO-1001-S1'), ordered, em, 'live');
    expect(plan.kind === 'apply' && plan.move.ruleId).toBe(8);
    expect(repository.reads).toEqual(['ACME PO-1001', 'BETA PO-1001']);
  });

  it('matches a scan against the rules once: its flag context and its plan share the first match', async () => {
    const { planner: p } = planner([ticket('PO-1001', { customer: 'BETA' })]);
    const ordered = [rule(7, 'ST-CUT', 'ACME', ACME), rule(8, 'ST-CUT', 'BETA', ACME)];
    const scan = scanAt('ST-CUT', 'OEM-ACME-PO-1001-S1');
    const match = jest.spyOn(SafePattern.prototype, 'match');
    try {
      expect(p.firstMatch(scan, ordered)).toMatchObject({ at: 0, rule: { id: 7 }, match: { ref: 'PO-1001', seq: 1 } });
      expect(match).toHaveBeenCalledTimes(1);
      const plan = await p.plan(scan, ordered, em, 'live');
      expect(plan.kind === 'apply' && plan.move.ruleId).toBe(8);
      // the first rule's match was remembered; only the next rule was matched
      expect(match).toHaveBeenCalledTimes(2);
      // a new rules snapshot is matched afresh, and another scan has its own match
      expect(p.firstMatch(scan, [...ordered])?.rule.id).toBe(7);
      expect(match).toHaveBeenCalledTimes(3);
      expect(p.firstMatch({ ...scan, barcode: 'T-000123' }, ordered)).toBeNull();
    } finally {
      match.mockRestore();
    }
  });
});
