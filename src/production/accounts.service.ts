import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { present } from '../common/present.js';
import { AccountRepository } from './account.repository.js';
import { Account } from './entities/account.entity.js';
import { Team } from './entities/team.entity.js';
import { conflictOnDuplicate, inTransaction } from '../database/transaction.js';

export interface NewAccount {
  code: string;
  name: string;
  skills?: string[];
  active?: boolean;
}

export interface TeamWithMembers {
  team: Team;
  members: Account[];
}

/** The local operator table and its teams. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountRepository,
  ) {}

  async createOperator(input: NewAccount): Promise<Account> {
    return conflictOnDuplicate(`Operator ${input.code}`, () =>
      inTransaction(this.dataSource, (em) =>
        this.accounts.insertOperator(
          em,
          { code: input.code, name: input.name, skills: input.skills ?? [], active: input.active ?? true },
          new Date(),
        ),
      ),
    );
  }

  listOperators(): Promise<Account[]> {
    return this.accounts.operators();
  }

  async operator(id: number): Promise<Account> {
    const account = await this.accounts.operator(id);
    if (!account) throw DomainError.notFound('Operator', id);
    return account;
  }

  async updateOperator(id: number, change: Partial<Pick<Account, 'name' | 'skills' | 'active'>>): Promise<Account> {
    return inTransaction(this.dataSource, async (em) => {
      const account = await this.accounts.operator(id, em);
      if (!account) throw DomainError.notFound('Operator', id);
      // a field left out of the request arrives as an own property holding undefined: it changes nothing
      Object.assign(
        account,
        Object.fromEntries(Object.entries<unknown>(change).filter(([, value]) => value !== undefined)),
      );
      return this.accounts.saveOperator(em, account);
    });
  }

  /** The id of the operator with `code`, or 404; used to record who acted on a token. */
  async operatorId(manager: EntityManager, code: string): Promise<number> {
    const id = await this.accounts.operatorId(manager, code);
    if (id === null) throw DomainError.notFound('Operator', code);
    return id;
  }

  async teamId(manager: EntityManager, code: string): Promise<number> {
    const id = await this.accounts.teamId(manager, code);
    if (id === null) throw DomainError.notFound('Team', code);
    return id;
  }

  async createTeam(input: { code: string; name: string; memberCodes?: string[] }): Promise<TeamWithMembers> {
    const id = await conflictOnDuplicate(`Team ${input.code}`, () =>
      inTransaction(this.dataSource, async (em) => {
        const teamId = await this.accounts.insertTeam(em, input, new Date());
        await this.accounts.addMembers(em, teamId, await this.memberIds(em, input.memberCodes ?? []));
        return teamId;
      }),
    );
    return this.team(id);
  }

  async setMembers(teamId: number, memberCodes: string[]): Promise<TeamWithMembers> {
    await inTransaction(this.dataSource, async (em) => {
      if (!(await this.accounts.teamExists(em, teamId))) throw DomainError.notFound('Team', teamId);
      await this.accounts.replaceMembers(em, teamId, await this.memberIds(em, memberCodes));
    });
    return this.team(teamId);
  }

  async listTeams(): Promise<TeamWithMembers[]> {
    const teams = await this.accounts.teams();
    const members = await this.accounts.memberships();
    // read after the memberships, and accounts are never deleted: each member's account is there
    const accounts = new Map((await this.listOperators()).map((a) => [a.id, a]));
    const account = (id: number) => present(accounts.get(id), `account #${id}`);
    return teams.map((team) => ({
      team,
      members: members.filter((m) => m.teamId === team.id).map((m) => account(m.accountId)),
    }));
  }

  async team(id: number): Promise<TeamWithMembers> {
    const team = await this.accounts.team(id);
    if (!team) throw DomainError.notFound('Team', id);
    return { team, members: await this.accounts.members(id) };
  }

  /** The ids of the operators with `codes`; 400 naming any unknown code. */
  private async memberIds(em: EntityManager, codes: string[]): Promise<number[]> {
    const unique = [...new Set(codes)];
    if (unique.length === 0) return [];
    const accounts = await this.accounts.operatorsByCode(em, unique);
    const missing = unique.filter((c) => !accounts.some((a) => a.code === c));
    if (missing.length)
      throw DomainError.validation([{ field: 'memberCodes', messages: [`unknown operators: ${missing.join(', ')}`] }]);
    return accounts.map((a) => a.id);
  }
}
