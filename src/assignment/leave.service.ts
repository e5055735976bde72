import { Injectable } from '@nestjs/common';
import { DataSource, In, LessThan, MoreThan } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { execute } from '../database/dialect.js';
import { AssignmentResolverService } from './assignment-resolver.service.js';
import type { CreateLeaveDto, LeaveQuery } from './dto/leave.dto.js';
import { LeaveRequest, LeaveStatus } from './entities/leave-request.entity.js';
import { inTransaction } from '../database/transaction.js';

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
  ) {}

  async create(input: CreateLeaveDto, actor: string): Promise<LeaveRequest> {
    if (input.endsAt.getTime() <= input.startsAt.getTime()) throw DomainError.validation([{ field: 'endsAt', messages: ['endsAt must be after startsAt'] }]);
    return inTransaction(this.dataSource, async (em) => {
      // a write to the operator's row, not a locking read, keeps two overlapping requests from
      // both passing the check: a Galera cluster certifies writes only, so the later of two
      // concurrent requests fails at commit and runs again, and then sees the first
      const guarded = await execute(em, `UPDATE account SET lock_version = lock_version + 1 WHERE id = ?`, [input.operatorId]);
      if (guarded !== 1) throw DomainError.notFound('Operator', input.operatorId);
      const repo = em.getRepository(LeaveRequest);
      const clash = await repo.findOne({
        where: { accountId: input.operatorId, status: In(HOLDING), startsAt: LessThan(input.endsAt), endsAt: MoreThan(input.startsAt) },
        order: { startsAt: 'ASC' },
      });
      if (clash) {
        throw new DomainError(ErrorCode.Overlap, `Operator ${input.operatorId} already has ${clash.status} leave ${clash.id} from ${clash.startsAt.toISOString()} to ${clash.endsAt.toISOString()}`, {
          leaveId: clash.id,
        });
      }
      return repo.save(
        repo.create({ accountId: input.operatorId, startsAt: input.startsAt, endsAt: input.endsAt, status: LeaveStatus.Pending, reason: input.reason ?? null, requestedBy: actor, decidedBy: null, decidedAt: null, createdAt: new Date() }),
      );
    });
  }

  list(query: LeaveQuery): Promise<LeaveRequest[]> {
    return this.dataSource.getRepository(LeaveRequest).find({
      where: { ...(query.operatorId ? { accountId: query.operatorId } : {}), ...(query.status ? { status: query.status } : {}) },
      order: { startsAt: 'ASC', id: 'ASC' },
      take: 1000,
    });
  }

  async decide(id: number, action: keyof typeof TRANSITIONS, actor: string): Promise<LeaveRequest> {
    const { from, to } = TRANSITIONS[action];
    const decided = await inTransaction(this.dataSource, async (em) => {
      const repo = em.getRepository(LeaveRequest);
      const changed = await repo.update({ id, status: In(from) }, { status: to, decidedBy: actor, decidedAt: new Date() });
      const leave = await repo.findOneBy({ id });
      if (!leave) throw DomainError.notFound('Leave request', id);
      if (!changed.affected) throw new DomainError(ErrorCode.InvalidState, `Leave request ${id} is ${leave.status}; only ${from.join(' or ')} leave can be ${to}`, { id, status: leave.status });
      return leave;
    });
    // pending leave excludes nobody: only a decision changes who is eligible
    this.resolver.invalidate();
    return decided;
  }
}
