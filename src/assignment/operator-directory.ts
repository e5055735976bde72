import type { EntityManager } from 'typeorm';

/**
 * Where Phase 7 learns who can work: operators, teams and whether they are available at a
 * moment. Phase 7 ships the local implementation (the `account` and `team` tables plus its own
 * availability and leave tables); Phase 9 plugs the People-system cache in behind the same
 * interface at OPERATOR_DIRECTORY (directory-registry.ts). Assignments always name local
 * accounts and teams, so every directory answers in local ids.
 *
 * Calls are batched (many ids at once) because the resolver runs inside spawn and route.
 */
export interface DirectoryOperator {
  /** Local `account.id`. */
  accountId: number;
  /** Employee number: `account.code`, the key the People system matches on. */
  code: string;
  name: string;
  active: boolean;
  skills: string[];
}

export interface DirectoryTeam {
  /** Local `team.id`. */
  teamId: number;
  code: string;
  name: string;
  active: boolean;
  /** Local account ids of the team's members (active or not: the resolver filters). */
  memberAccountIds: number[];
}

export type UnavailabilityReason = 'inactive' | 'outside_availability_window' | 'on_leave' | 'team_unavailable';

export interface Unavailability {
  reason: UnavailabilityReason;
  detail?: string;
}

/** How the resolver asks: where to run, and who answered. */
export interface DirectoryRead {
  /**
   * The caller's transaction: run every query on it when given, because a second pooled
   * connection per decision could exhaust the pool under load (every holder waiting for one more).
   */
  db?: EntityManager;
  /** Each directory that answered a call adds its `source`: the People directory may hand a call it cannot answer to the local one. */
  answeredBy?: Set<string>;
}

/**
 * How a decision names who answered it: the directory asked first when it answered anything,
 * then the others (`people+local`); the one asked when nobody had to answer.
 */
export function directoryLabel(asked: string, answered: Iterable<string>): string {
  const sources = new Set(answered);
  const others = [...sources].filter((source) => source !== asked).sort();
  return [...(sources.has(asked) || others.length === 0 ? [asked] : []), ...others].join('+');
}

export interface OperatorDirectory {
  /** `local` or `people`: recorded with every decision, with each directory that answered part of it. */
  readonly source: string;
  operators(accountIds: number[], read?: DirectoryRead): Promise<Map<number, DirectoryOperator>>;
  teams(teamIds: number[], read?: DirectoryRead): Promise<Map<number, DirectoryTeam>>;
  /** Why each operator cannot work at `at`; an empty list (or no entry) means available. */
  operatorUnavailability(accountIds: number[], at: Date, read?: DirectoryRead): Promise<Map<number, Unavailability[]>>;
  /** Why each team cannot work at `at`; an empty list (or no entry) means available. */
  teamUnavailability(teamIds: number[], at: Date, read?: DirectoryRead): Promise<Map<number, Unavailability[]>>;
}
