import { DataSource } from 'typeorm';
import { Phase7Assignment1764000700000 } from '../../migrations/1764000700000-Phase7-Assignment.js';
import { Phase7CompactDecisions1764000710000 } from '../../migrations/1764000710000-Phase7-CompactDecisions.js';
import { Phase7CandidateSetColumn1764000720000 } from '../../migrations/1764000720000-Phase7-CandidateSetColumn.js';
import { isMissingTable } from '../database/dialect.js';
import { FlagsService } from '../phases/flags/flags.service.js';
import { Phase, type InFlightWork, type LegacyCheck, type PhaseDefinition } from '../phases/phase-definition.js';
import { NodeAssignmentService } from '../production/node-assignment.service.js';
import { PHASE_7_SCHEMA, PREVIEW_FLAG, RUNTIME_FLAG } from './assignment.schema.js';
import { LeaveRepository } from './leave.repository.js';
import { PlanRepository } from './plan.repository.js';
import { ASSIGNMENT_RETENTION } from './assignment.retention.js';

/** Phase 7 in the registry: what rollback, the status API, the CLI and the runbook know of it. */
@Phase({
  migrations: [
    Phase7Assignment1764000700000,
    Phase7CompactDecisions1764000710000,
    Phase7CandidateSetColumn1764000720000,
  ],
})
export class AssignmentPhase implements PhaseDefinition {
  readonly number = 7;
  readonly key = 'assignment';
  readonly title = 'Automatic assignment with preview, audit log, availability and leave';
  readonly flags = [
    {
      key: RUNTIME_FLAG,
      description:
        'Spawn and route assign each token to the best available operator; no candidate or any error falls back to the manual plan',
    },
    {
      key: PREVIEW_FLAG,
      description: 'GET /assignment/preview shows the ranked candidates for a token without assigning anything',
    },
  ];
  readonly jobs = [];
  readonly tables = PHASE_7_SCHEMA.tables;
  readonly retention = ASSIGNMENT_RETENTION;
  readonly columns = PHASE_7_SCHEMA.columns;
  readonly dataLossRisk = 'medium' as const;
  readonly legacyFallback =
    'manual assignment (NodeAssignmentService): the job override for the node, else the node plan; tokens keep the operators they were given';

  constructor(
    private readonly dataSource: DataSource,
    private readonly leave: LeaveRepository,
    private readonly plans: PlanRepository,
    private readonly flagService: FlagsService,
    private readonly manual: NodeAssignmentService,
  ) {}

  /** Decisions live inside each spawn or route transaction; what a rollback leaves hanging is leave awaiting a decision. */
  async inFlight(): Promise<InFlightWork> {
    try {
      const count = await this.leave.pendingCount();
      return {
        count,
        description: `${count} leave request(s) awaiting a decision; assignment decisions finish with their own transaction`,
      };
    } catch (error) {
      if (isMissingTable(error)) return { count: 0, description: 'Phase 7 schema not applied' };
      throw error;
    }
  }

  /** The manual plan answers for a planned node, and the runtime flag is off so the core uses it. */
  async verifyLegacy(): Promise<LegacyCheck> {
    if (this.flagService.isEnabled(RUNTIME_FLAG))
      return { ok: false, detail: `${RUNTIME_FLAG} is still on: spawn and route would not use the manual plan` };
    const nodeId = await this.plans.firstPlannedNodeId();
    if (nodeId === null)
      return {
        ok: true,
        detail: 'manual assignment active; no node has a plan, so new tokens stay unassigned as before Phase 7',
      };
    const assignment = await this.manual.manualPlan(0, nodeId, this.dataSource.manager);
    const who =
      assignment.accountId !== null
        ? `operator ${assignment.accountId}`
        : assignment.teamId !== null
          ? `team ${assignment.teamId}`
          : 'nobody';
    return { ok: true, detail: `manual assignment active: node ${nodeId}'s plan gives new tokens to ${who}` };
  }
}
