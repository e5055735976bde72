import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants.js';
import type { MigrationInterface } from 'typeorm';
import type { RetentionPolicy } from '../common/retention/retention-policy.js';
import type { Queryable } from '../database/queryable.js';

/**
 * The phase contract. Each phase module provides exactly one class decorated with @Phase()
 * that implements PhaseDefinition; the PhaseRegistry discovers them. Rollback, the status
 * API, the CLI, the console and the runbook read the registry: nothing else lists phases,
 * flags, jobs or tables.
 */
export type DataLossRisk = 'none' | 'low' | 'medium' | 'high';

export interface PhaseFlag {
  key: string;
  description: string;
  /** A shadow flag evaluates the new path without applying it (roll forward can enable only these). */
  shadow?: boolean;
}

/** Counts a job reports for its run; stored in job_run and exposed in /metrics. */
export type JobCounts = Record<string, number>;

export interface JobRunContext {
  /** Aborted when the job is being stopped (rollback): finish the current batch and return. */
  signal: AbortSignal;
  /** Set when an operator asked for this run (API or CLI) rather than the schedule. */
  manual: boolean;
  /** Where a long run reports how far it got (the CLI prints it); absent for scheduled runs. */
  progress?: (line: string) => void;
}

export interface PhaseJob {
  /** Unique name, also the lease name (for example `people-sync-operators`). */
  name: string;
  description: string;
  /** Cron expression (six fields with seconds allowed), usually from configuration. */
  cron: string;
  /** The phase flag that must be on for scheduled ticks to run. */
  flag: string;
  run(context: JobRunContext): Promise<JobCounts | undefined>;
}

export interface OwnedTable {
  name: string;
  /** Caches and analytics can be rebuilt from elsewhere; logs and tickets cannot. */
  rebuildable: boolean;
  derived?: DerivedColumns;
}

/**
 * Columns computed from their row's other columns (a lookup key kept for an index). Backups
 * and the drop guard leave them out, so a backup taken before a migration added them still
 * covers the table, and a revert that drops them first does not change what is covered; a
 * restore fills them again.
 */
export interface DerivedColumns {
  columns: readonly string[];
  /** Sets each row's derived columns from its other columns where they are missing or stale. */
  fill(db: Queryable): Promise<void>;
}

/** A column a phase adds to an older table; backed up with the row keys it belongs to. */
export interface OwnedColumn {
  table: string;
  column: string;
  /** Primary-key column of `table`, used to write the column back on restore. */
  key: string;
  rebuildable: boolean;
}

export interface InFlightWork {
  /** Units of work in progress that a rollback would interrupt (0 when idle). */
  count: number;
  description: string;
}

export interface LegacyCheck {
  ok: boolean;
  detail: string;
}

export interface PhaseDefinition {
  readonly number: number;
  readonly key: string;
  readonly title: string;
  /**
   * Lower-numbered phases whose code this one builds on (Phase 9's directory plugs into Phase
   * 7's assignment). The registry refuses a set that lacks one.
   */
  readonly requires?: readonly number[];
  readonly flags: readonly PhaseFlag[];
  readonly jobs: readonly PhaseJob[];
  readonly tables: readonly OwnedTable[];
  readonly columns: readonly OwnedColumn[];
  /** The owned tables that grow with production, each with how long it keeps its rows. */
  readonly retention?: readonly RetentionPolicy[];
  readonly dataLossRisk: DataLossRisk;
  /** What runs instead when the phase is off, in the runbook's words. */
  readonly legacyFallback: string;
  /** Work in flight that a rollback would interrupt. Must not write. */
  inFlight(): Promise<InFlightWork>;
  /** Smoke check of the legacy path after rollback. Must not change data. */
  verifyLegacy(): Promise<LegacyCheck>;
}

export type MigrationClass = new () => MigrationInterface;

export interface PhaseOptions {
  /** The phase's migration classes, oldest first; their class names start with `Phase<number>`. */
  migrations: readonly MigrationClass[];
}

const PHASE_METADATA = 'phasegate:phase';

/**
 * Marks a provider as a phase definition for the registry. Its migrations are declared here,
 * once: the data source needs them before dependency injection exists (phaseMigrations).
 */
export const Phase = (options: PhaseOptions) => applyDecorators(Injectable(), SetMetadata(PHASE_METADATA, options));

/** The @Phase() options of a provider class, or undefined when it is not a phase definition. */
export function phaseOptionsOf(type: unknown): PhaseOptions | undefined {
  return typeof type === 'function'
    ? (Reflect.getMetadata(PHASE_METADATA, type) as PhaseOptions | undefined)
    : undefined;
}

/** The migrations of the phase definitions that `modules` provide, read without booting them. */
export function phaseMigrations(modules: readonly unknown[]): MigrationClass[] {
  return modules.flatMap((module) => {
    const providers =
      (typeof module === 'function'
        ? (Reflect.getMetadata(MODULE_METADATA.PROVIDERS, module) as unknown[] | undefined)
        : undefined) ?? [];
    return providers.flatMap((provider) => phaseOptionsOf(provider)?.migrations ?? []);
  });
}
