import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { Account } from './entities/account.entity.js';
import { Team, TeamMember } from './entities/team.entity.js';

export interface AccountDraft {
  code: string;
  name: string;
  skills: string[];
  active: boolean;
}

/** The local operators (account), their teams and the memberships (team, team_member). */
@Injectable()
export class AccountRepository {
  constructor(private readonly dataSource: DataSource) {}

  insertOperator(em: EntityManager, draft: AccountDraft, now: Date): Promise<Account> {
    const repo = em.getRepository(Account);
    return repo.save(repo.create({ ...draft, createdAt: now }));
  }

  /** Every operator in id order. */
  operators(): Promise<Account[]> {
    return this.dataSource.getRepository(Account).find({ order: { id: 'ASC' } });
  }

  /** Inside a transaction when `manager` is given. */
  operator(id: number, manager: EntityManager = this.dataSource.manager): Promise<Account | null> {
    return manager.getRepository(Account).findOneBy({ id });
  }

  /** Writes an operator read through `operator` (lock_version, never selected, is left alone). */
  saveOperator(em: EntityManager, account: Account): Promise<Account> {
    return em.getRepository(Account).save(account);
  }

  async operatorId(manager: EntityManager, code: string): Promise<number | null> {
    const row = (await manager.query<Array<{ id: number }>>(`SELECT id FROM account WHERE code = ?`, [code])).at(0);
    return row ? row.id : null;
  }

  operatorsByCode(em: EntityManager, codes: readonly string[]): Promise<Account[]> {
    return em.getRepository(Account).findBy({ code: In([...codes]) });
  }

  async insertTeam(em: EntityManager, team: { code: string; name: string }, now: Date): Promise<number> {
    const repo = em.getRepository(Team);
    return (await repo.save(repo.create({ code: team.code, name: team.name, createdAt: now }))).id;
  }

  teamExists(em: EntityManager, id: number): Promise<boolean> {
    return em.getRepository(Team).existsBy({ id });
  }

  async teamId(manager: EntityManager, code: string): Promise<number | null> {
    const row = (await manager.query<Array<{ id: number }>>(`SELECT id FROM team WHERE code = ?`, [code])).at(0);
    return row ? row.id : null;
  }

  teams(): Promise<Team[]> {
    return this.dataSource.getRepository(Team).find({ order: { id: 'ASC' } });
  }

  team(id: number): Promise<Team | null> {
    return this.dataSource.getRepository(Team).findOneBy({ id });
  }

  memberships(): Promise<TeamMember[]> {
    return this.dataSource.getRepository(TeamMember).find();
  }

  /** The team's members in id order. */
  async members(teamId: number): Promise<Account[]> {
    const ids = (await this.dataSource.getRepository(TeamMember).findBy({ teamId })).map((m) => m.accountId);
    return ids.length
      ? this.dataSource.getRepository(Account).find({ where: { id: In(ids) }, order: { id: 'ASC' } })
      : [];
  }

  async replaceMembers(em: EntityManager, teamId: number, accountIds: readonly number[]): Promise<void> {
    await em.getRepository(TeamMember).delete({ teamId });
    await this.addMembers(em, teamId, accountIds);
  }

  async addMembers(em: EntityManager, teamId: number, accountIds: readonly number[]): Promise<void> {
    if (accountIds.length === 0) return;
    await em.getRepository(TeamMember).insert(accountIds.map((accountId) => ({ teamId, accountId })));
  }
}
