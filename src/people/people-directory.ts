import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { OPERATOR_DIRECTORY, type ExternalOperatorDirectory } from '../assignment/directory-registry.js';
import { LocalOperatorDirectory } from '../assignment/local-operator-directory.js';
import type {
  DirectoryOperator,
  DirectoryRead,
  DirectoryTeam,
  Unavailability,
} from '../assignment/operator-directory.js';
import { Extends } from '../common/extension/extension-point.js';
import { Decline, PhaseFallback } from '../phases/fallback/phase-fallback.service.js';
import { NO_SCOPE } from '../phases/flags/flag-rules.js';
import { FlagsService } from '../phases/flags/flags.service.js';
import { PeopleCacheRepository, type CacheTable } from './people-cache.repository.js';
import {
  PeopleDirectoryRepository,
  type CachedOperator,
  type CachedTeam,
  type Db,
  type LocalRef,
} from './people-directory.repository.js';
import { PEOPLE_FLAG } from './people.schema.js';

const CACHE_TABLES: CacheTable[] = ['people_operator_cache', 'people_team_cache', 'people_availability_cache'];
const FRESHNESS_RECHECK_MS = 1000;

/**
 * Phase 7's OperatorDirectory over the People caches, answering in local ids: operators are
 * matched to `account.code` by employee number, teams to `team.code` by code. Every call goes
 * through PhaseFallback: with the flag off the local directory answers; with an empty or
 * expired cache, or no local account or team known to People, the new path declines and the
 * local directory answers, logged as `fallback_to_legacy`. Plugged into Phase 7's
 * OPERATOR_DIRECTORY; the DirectoryRegistry asks it only while the flag is on and every cache can answer, so
 * a decision made while the caches are empty or expired is made, and logged, as `local`.
 * Every query runs on the caller's transaction when one is given: a decision holds its
 * pooled connection while it asks, and waiting for a second one would deadlock a full pool.
 */
@Injectable()
@Extends(OPERATOR_DIRECTORY)
export class PeopleOperatorDirectory implements ExternalOperatorDirectory {
  readonly source = 'people';
  /**
   * Until when every cache is known able to answer: its first expiry, capped at
   * FRESHNESS_RECHECK_MS from the check, because a rollback, a restore or another replica can
   * change the caches behind this process. Before it, neither a decision nor a lookup asks
   * the database; the flag is still checked on every call.
   */
  private freshUntil = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cache: PeopleCacheRepository,
    private readonly repository: PeopleDirectoryRepository,
    private readonly fallback: PhaseFallback,
    private readonly flags: FlagsService,
    private readonly local: LocalOperatorDirectory,
  ) {}

  async operators(accountIds: number[], read?: DirectoryRead): Promise<Map<number, DirectoryOperator>> {
    return this.gated(
      'directory_operators',
      ['people_operator_cache'],
      accountIds,
      read,
      () => this.local.operators(accountIds, read),
      async (q) => {
        const matched = await this.matchOperators(q, accountIds);
        if (matched.length === 0) return PhaseFallback.decline('no_people_match');
        return new Map(
          matched.map(({ account, person }) => [
            account.id,
            {
              accountId: account.id,
              code: account.code,
              name: person.name ?? account.code,
              active: person.active,
              skills: person.skills,
            },
          ]),
        );
      },
    );
  }

  async teams(teamIds: number[], read?: DirectoryRead): Promise<Map<number, DirectoryTeam>> {
    return this.gated(
      'directory_teams',
      ['people_team_cache', 'people_operator_cache'],
      teamIds,
      read,
      () => this.local.teams(teamIds, read),
      async (q) => {
        const matched = await this.matchTeams(q, teamIds);
        if (matched.length === 0) return PhaseFallback.decline('no_people_match');
        const result = new Map<number, DirectoryTeam>();
        for (const { team, person } of matched) {
          const memberAccountIds = await this.repository.memberAccountIds(q, person.id);
          result.set(team.id, {
            teamId: team.id,
            code: team.code,
            name: person.name,
            active: person.active,
            memberAccountIds,
          });
        }
        return result;
      },
    );
  }

  async operatorUnavailability(
    accountIds: number[],
    at: Date,
    read?: DirectoryRead,
  ): Promise<Map<number, Unavailability[]>> {
    return this.gated(
      'directory_operator_availability',
      ['people_operator_cache', 'people_availability_cache'],
      accountIds,
      read,
      () => this.local.operatorUnavailability(accountIds, at, read),
      async (q) => {
        const { start, end } = await this.repository.availabilityWindow(q);
        if (!start || !end || at < start || at >= end) return PhaseFallback.decline('outside_cached_window');
        const matched = await this.matchOperators(q, accountIds);
        if (matched.length === 0) return PhaseFallback.decline('no_people_match');
        const covering = await this.repository.covering(
          q,
          matched.map((m) => m.person.id),
          at,
        );
        const result = new Map<number, Unavailability[]>(
          accountIds.map((id) => [id, [{ reason: 'inactive', detail: 'unknown to the People system' }]]),
        );
        for (const { account, person } of matched) {
          const kinds = new Set(covering.filter((c) => c.operatorId === person.id).map((c) => c.kind));
          const reasons: Unavailability[] = [];
          if (!person.active) reasons.push({ reason: 'inactive' });
          if (kinds.has('leave')) reasons.push({ reason: 'on_leave' });
          else if (!kinds.has('shift')) reasons.push({ reason: 'outside_availability_window' });
          result.set(account.id, reasons);
        }
        return result;
      },
    );
  }

  async teamUnavailability(teamIds: number[], at: Date, read?: DirectoryRead): Promise<Map<number, Unavailability[]>> {
    return this.gated(
      'directory_team_availability',
      ['people_team_cache'],
      teamIds,
      read,
      () => this.local.teamUnavailability(teamIds, at, read),
      async (q) => {
        const matched = await this.matchTeams(q, teamIds);
        if (matched.length === 0) return PhaseFallback.decline('no_people_match');
        const result = new Map<number, Unavailability[]>(
          teamIds.map((id) => [id, [{ reason: 'team_unavailable', detail: 'unknown to the People system' }]]),
        );
        for (const { team, person } of matched) result.set(team.id, person.active ? [] : [{ reason: 'inactive' }]);
        return result;
      },
    );
  }

  /** Whether Phase 7's next decision asks this directory: the flag is on and no cache is empty or expired (else a logged fallback). */
  async answersDecisions(db?: EntityManager): Promise<boolean> {
    const result = await this.fallback.run({
      flag: PEOPLE_FLAG,
      operation: 'directory',
      context: NO_SCOPE,
      legacy: async () => false,
      newPath: async () => (await this.unusable(CACHE_TABLES, db ?? this.dataSource)) ?? true,
    });
    return result.value;
  }

  /**
   * A call answered from the caches, or by the local directory (which then says so in
   * `read.answeredBy`). A call about no ids is answered empty by the local one without asking
   * anything: declining it would count as a fallback.
   */
  private async gated<T>(
    operation: string,
    tables: CacheTable[],
    ids: readonly number[],
    read: DirectoryRead | undefined,
    legacy: () => Promise<T>,
    fromCache: (q: Db) => Promise<T | Decline>,
  ): Promise<T> {
    if (ids.length === 0) return legacy();
    const q = read?.db ?? this.dataSource;
    const result = await this.fallback.run({
      flag: PEOPLE_FLAG,
      operation,
      context: NO_SCOPE,
      legacy,
      newPath: async () => (await this.unusable(tables, q)) ?? fromCache(q),
    });
    if (result.path === 'new') read?.answeredBy?.add(this.source);
    return result.value;
  }

  /** The first of `tables` that cannot answer, as a decline saying why; null when all can. */
  private async unusable(tables: CacheTable[], q: Db): Promise<Decline | null> {
    const now = Date.now();
    if (now < this.freshUntil) return null;
    let until = now + FRESHNESS_RECHECK_MS;
    for (const table of tables) {
      const expiresAt = await this.cache.firstExpiry(table, q);
      if (!expiresAt) return PhaseFallback.decline('cache_empty');
      if (expiresAt.getTime() <= now) return PhaseFallback.decline('cache_expired');
      until = Math.min(until, expiresAt.getTime());
    }
    // only a check of every cache vouches for all of them
    if (tables.length === CACHE_TABLES.length) this.freshUntil = until;
    return null;
  }

  private async matchOperators(
    q: Db,
    accountIds: number[],
  ): Promise<Array<{ account: LocalRef; person: CachedOperator }>> {
    const accounts = await this.repository.accounts(q, accountIds);
    const people = await this.repository.operatorsByEmployeeNo(
      q,
      accounts.map((a) => a.code),
    );
    const byNo = new Map(people.map((p) => [p.employeeNo, p]));
    return accounts.flatMap((account) => {
      const person = byNo.get(account.code);
      return person ? [{ account, person }] : [];
    });
  }

  private async matchTeams(q: Db, teamIds: number[]): Promise<Array<{ team: LocalRef; person: CachedTeam }>> {
    const teams = await this.repository.teams(q, teamIds);
    const people = await this.repository.teamsByCode(
      q,
      teams.map((t) => t.code),
    );
    const byCode = new Map(people.map((p) => [p.code, p]));
    return teams.flatMap((team) => {
      const person = byCode.get(team.code);
      return person ? [{ team, person }] : [];
    });
  }
}
