import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment.js';
import { localMoment, unavailableAt, type LocalMoment, type Rule } from './availability.js';
import { LocalDirectoryRepository } from './local-directory.repository.js';
import type {
  DirectoryOperator,
  DirectoryRead,
  DirectoryTeam,
  OperatorDirectory,
  Unavailability,
} from './operator-directory.js';

/**
 * The directory when the People integration is off or its caches are empty or expired: the local `account`, `team` and
 * `team_member` tables, plus Phase 7's availability and leave tables. One query per call.
 */
@Injectable()
export class LocalOperatorDirectory implements OperatorDirectory {
  readonly source = 'local';
  private readonly timeZone: string;

  constructor(
    private readonly repository: LocalDirectoryRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.timeZone = config.get('ASSIGNMENT_TIMEZONE', { infer: true });
  }

  async operators(accountIds: number[], read?: DirectoryRead): Promise<Map<number, DirectoryOperator>> {
    if (accountIds.length === 0) return new Map();
    const operators = await this.repository.operators(this.answer(read), accountIds);
    return new Map(operators.map((o) => [o.accountId, o]));
  }

  async teams(teamIds: number[], read?: DirectoryRead): Promise<Map<number, DirectoryTeam>> {
    if (teamIds.length === 0) return new Map();
    return this.repository.teams(this.answer(read), teamIds);
  }

  /** Availability rules and approved leave in one round trip. */
  async operatorUnavailability(
    accountIds: number[],
    at: Date,
    read?: DirectoryRead,
  ): Promise<Map<number, Unavailability[]>> {
    if (accountIds.length === 0) return new Map();
    const moment = localMoment(at, this.timeZone);
    const { rules, leave } = await this.repository.operatorAbsences(this.answer(read), accountIds, moment.date, at);
    const result = evaluate(rules, moment);
    for (const { accountId, leaveId } of leave) {
      let list = result.get(accountId);
      if (!list) result.set(accountId, (list = []));
      list.push({ reason: 'on_leave', detail: `leave request ${leaveId}` });
    }
    return result;
  }

  async teamUnavailability(teamIds: number[], at: Date, read?: DirectoryRead): Promise<Map<number, Unavailability[]>> {
    if (teamIds.length === 0) return new Map();
    const moment = localMoment(at, this.timeZone);
    const result = evaluate(await this.repository.teamRules(this.answer(read), teamIds, moment.date), moment);
    for (const list of result.values()) for (const u of list) u.reason = 'team_unavailable';
    return result;
  }

  /** Where a call with something to read runs; it answers that call. */
  private answer(read?: DirectoryRead): DirectoryRead['db'] {
    read?.answeredBy?.add(this.source);
    return read?.db;
  }
}

function evaluate(rules: Map<number, Rule[]>, moment: LocalMoment): Map<number, Unavailability[]> {
  const result = new Map<number, Unavailability[]>();
  for (const [subject, list] of rules) {
    const why = unavailableAt(list, moment);
    if (why) result.set(subject, [why]);
  }
  return result;
}
