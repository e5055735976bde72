import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AssignmentResolverService } from './assignment-resolver.service.js';
import type { CreateLeaveDto, LeaveQuery } from './dto/leave.dto.js';
import { LeaveStatus, type LeaveRequest } from './entities/leave-request.entity.js';
import { inTransaction } from '../database/transaction.js';
import { LeaveRepository } from './leave.repository.js';

/** Leave that still claims its time: an operator's pending and approved requests never overlap. */
const HOLDING = [LeaveStatus.Pending, LeaveStatus.Approved];

const TRANSITIONS: Record<'approve' | 'reject' | 'cancel', { from: LeaveStatus[]; to: LeaveStatus }> = {
  approve: { from: [LeaveStatus.Pending], to: LeaveStatus.Approved },
  reject: { from: [LeaveStatus.Pending], to: LeaveStatus.Rejected },
  cancel: { from: [LeaveStatus.Pending, LeaveStatus.Approved], to: LeaveStatus.Cancelled },
};

/** Leave requests: created pending, then approved, rejected or cancelled. Only approved leave excludes from assignment. */
@Injectable()
export class LeaveService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly resolver: AssignmentResolverService,
    private readonly leave: LeaveRepository,
  ) {}

  async create(input: CreateLeaveDto, actor: string): Promise<LeaveRequest> {
    if (input.endsAt.getTime() <= input.startsAt.getTime())
      throw DomainError.validation([{ field: 'endsAt', messages: ['endsAt must be after startsAt'] }]);
    return inTransaction(this.dataSource, async (em) => {
      // a write to the operator's row, not a locking read, keeps two overlapping requests from
      // both passing the check: a Galera cluster certifies writes only, so the later of two
      // concurrent requests fails at commit and runs again, and then sees the first
      if (!(await this.leave.bumpOperatorVersion(em, input.operatorId)))
        throw DomainError.notFound('Operator', input.operatorId);
      const clash = await this.leave.firstOverlap(em, input.operatorId, input.startsAt, input.endsAt, HOLDING);
      if (clash) {
        throw new DomainError(
          ErrorCode.Overlap,
          `Operator ${input.operatorId} already has ${clash.status} leave ${clash.id} from ${clash.startsAt.toISOString()} to ${clash.endsAt.toISOString()}`,
          {
            leaveId: clash.id,
          },
        );
      }
      return this.leave.insertPending(em, {
        accountId: input.operatorId,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        reason: input.reason ?? null,
        requestedBy: actor,
      });
    });
  }

  list(query: LeaveQuery): Promise<LeaveRequest[]> {
    return this.leave.list(query);
  }

  async decide(id: number, action: keyof typeof TRANSITIONS, actor: string): Promise<LeaveRequest> {
    const { from, to } = TRANSITIONS[action];
    const decided = await inTransaction(this.dataSource, async (em) => {
      const changed = await this.leave.decide(em, id, from, to, actor);
      const leave = await this.leave.find(em, id);
      if (!leave) throw DomainError.notFound('Leave request', id);
      if (!changed)
        throw new DomainError(
          ErrorCode.InvalidState,
          `Leave request ${id} is ${leave.status}; only ${from.join(' or ')} leave can be ${to}`,
          { id, status: leave.status },
        );
      return leave;
    });
    // pending leave excludes nobody: only a decision changes who is eligible
    this.resolver.invalidate();
    return decided;
  }
}
