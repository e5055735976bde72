import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { Account } from './entities/account.entity.js';
import { Team, TeamMember } from './entities/team.entity.js';
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
  constructor(private readonly dataSource: DataSource) {}

  async createOperator(input: NewAccount): Promise<Account> {
    return conflictOnDuplicate(`Operator ${input.code}`, () =>
      inTransaction(this.dataSource, (em) =>
        em.getRepository(Account).save(em.getRepository(Account).create({ code: input.code, name: input.name, skills: input.skills ?? [], active: input.active ?? true, createdAt: new Date() })),
      ),
    );
  }

  listOperators(): Promise<Account[]> {
    return this.dataSource.getRepository(Account).find({ order: { id: 'ASC' } });
  }

  async operator(id: number): Promise<Account> {
    const account = await this.dataSource.getRepository(Account).findOneBy({ id });
    if (!account) throw DomainError.notFound('Operator', id);
    return account;
  }

  async updateOperator(id: number, change: Partial<Pick<Account, 'name' | 'skills' | 'active'>>): Promise<Account> {
    return inTransaction(this.dataSource, async (em) => {
      const repo = em.getRepository(Account);
      const account = await repo.findOneBy({ id });
      if (!account) throw DomainError.notFound('Operator', id);
      // a field left out of the request arrives as an own property holding undefined: it changes nothing
      Object.assign(account, Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)));
      return repo.save(account);
    });
  }

  /** The id of the operator with `code`, or 404; used to record who acted on a token. */
  async operatorId(manager: EntityManager, code: string): Promise<number> {
    const [row] = await manager.query(`SELECT id FROM account WHERE code = ?`, [code]);
    if (!row) throw DomainError.notFound('Operator', code);
    return Number(row.id);
  }

  async teamId(manager: EntityManager, code: string): Promise<number> {
    const [row] = await manager.query(`SELECT id FROM team WHERE code = ?`, [code]);
    if (!row) throw DomainError.notFound('Team', code);
    return Number(row.id);
  }

  async createTeam(input: { code: string; name: string; memberCodes?: string[] }): Promise<TeamWithMembers> {
    const id = await conflictOnDuplicate(`Team ${input.code}`, () =>
      inTransaction(this.dataSource, async (em) => {
        const team = await em.getRepository(Team).save(em.getRepository(Team).create({ code: input.code, name: input.name, createdAt: new Date() }));
        await this.writeMembers(em, team.id, input.memberCodes ?? []);
        return team.id;
      }),
    );
    return this.team(id);
  }

  async setMembers(teamId: number, memberCodes: string[]): Promise<TeamWithMembers> {
    await inTransaction(this.dataSource, async (em) => {
      if (!(await em.getRepository(Team).existsBy({ id: teamId }))) throw DomainError.notFound('Team', teamId);
      await em.getRepository(TeamMember).delete({ teamId });
      await this.writeMembers(em, teamId, memberCodes);
    });
    return this.team(teamId);
  }

  async listTeams(): Promise<TeamWithMembers[]> {
    const teams = await this.dataSource.getRepository(Team).find({ order: { id: 'ASC' } });
    const members = await this.dataSource.getRepository(TeamMember).find();
    const accounts = new Map((await this.listOperators()).map((a) => [a.id, a]));
    return teams.map((team) => ({ team, members: members.filter((m) => m.teamId === team.id).map((m) => accounts.get(m.accountId)!) }));
  }

  async team(id: number): Promise<TeamWithMembers> {
    const team = await this.dataSource.getRepository(Team).findOneBy({ id });
    if (!team) throw DomainError.notFound('Team', id);
    const memberIds = (await this.dataSource.getRepository(TeamMember).findBy({ teamId: id })).map((m) => m.accountId);
    const members = memberIds.length ? await this.dataSource.getRepository(Account).find({ where: { id: In(memberIds) }, order: { id: 'ASC' } }) : [];
    return { team, members };
  }

  private async writeMembers(em: EntityManager, teamId: number, codes: string[]): Promise<void> {
    const unique = [...new Set(codes)];
    if (unique.length === 0) return;
    const accounts = await em.getRepository(Account).findBy({ code: In(unique) });
    const missing = unique.filter((c) => !accounts.some((a) => a.code === c));
    if (missing.length) throw DomainError.validation([{ field: 'memberCodes', messages: [`unknown operators: ${missing.join(', ')}`] }]);
    await em.getRepository(TeamMember).insert(accounts.map((a) => ({ teamId, accountId: a.id })));
  }
}
