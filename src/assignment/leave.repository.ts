import { Injectable } from '@nestjs/common';
import { DataSource, In, LessThan, MoreThan, type EntityManager } from 'typeorm';
import { execute } from '../database/dialect.js';
import type { LeaveQuery } from './dto/leave.dto.js';
import { LeaveRequest, LeaveStatus } from './entities/leave-request.entity.js';

/** A leave request to write: created pending, undecided. */
export type LeaveDraft = Pick<LeaveRequest, 'accountId' | 'startsAt' | 'endsAt' | 'reason' | 'requestedBy'>;

/** The leave_request table, and the operator row a new request is serialised on. */
@Injectable()
export class LeaveRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Bumps the operator's `account.lock_version`: a real write, so two transactions doing it for
   * the same operator conflict even where locking reads do not (Galera). False when no such account.
   */
  async bumpOperatorVersion(em: EntityManager, operatorId: number): Promise<boolean> {
    return (await execute(em, `UPDATE account SET lock_version = lock_version + 1 WHERE id = ?`, [operatorId])) === 1;
  }

  /** The operator's earliest request in one of `statuses` that overlaps [startsAt, endsAt); null when none. */
  firstOverlap(
    em: EntityManager,
    operatorId: number,
    startsAt: Date,
    endsAt: Date,
    statuses: readonly LeaveStatus[],
  ): Promise<LeaveRequest | null> {
    return em.getRepository(LeaveRequest).findOne({
      where: {
        accountId: operatorId,
        status: In([...statuses]),
        startsAt: LessThan(endsAt),
        endsAt: MoreThan(startsAt),
      },
      order: { startsAt: 'ASC' },
    });
  }

  insertPending(em: EntityManager, draft: LeaveDraft): Promise<LeaveRequest> {
    const repo = em.getRepository(LeaveRequest);
    return repo.save(
      repo.create({ ...draft, status: LeaveStatus.Pending, decidedBy: null, decidedAt: null, createdAt: new Date() }),
    );
  }

  /** By start time, at most 1000. */
  list(query: LeaveQuery): Promise<LeaveRequest[]> {
    return this.dataSource.getRepository(LeaveRequest).find({
      where: {
        ...(query.operatorId ? { accountId: query.operatorId } : {}),
        ...(query.status ? { status: query.status } : {}),
      },
      order: { startsAt: 'ASC', id: 'ASC' },
      take: 1000,
    });
  }

  /** Moves the request to `to`, decided now by `actor`, if it is in one of `from`; whether it moved. */
  async decide(
    em: EntityManager,
    id: number,
    from: readonly LeaveStatus[],
    to: LeaveStatus,
    actor: string,
  ): Promise<boolean> {
    const changed = await em
      .getRepository(LeaveRequest)
      .update({ id, status: In([...from]) }, { status: to, decidedBy: actor, decidedAt: new Date() });
    return Boolean(changed.affected);
  }

  find(em: EntityManager, id: number): Promise<LeaveRequest | null> {
    return em.getRepository(LeaveRequest).findOneBy({ id });
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ n: number | string }>>(
      `SELECT COUNT(*) AS n FROM leave_request WHERE status = 'pending'`,
    );
    return Number(row.n);
  }
}
