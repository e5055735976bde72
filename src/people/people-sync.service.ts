import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../config/environment.js';
import { truncateSqliteWal } from '../database/dialect.js';
import type { JobCounts, JobRunContext } from '../phases/phase-definition.js';
import { PhaseTelemetry } from '../phases/telemetry/phase-telemetry.service.js';
import { CacheWriter } from './cache-writer.js';
import { PeopleCacheRepository, type CacheTable } from './people-cache.repository.js';
import { MaskingPolicyService } from './masking-policy.service.js';
import { PeopleClient } from './people-client.js';
import { ingestAvailability, ingestOperator, ingestTeam, type Parsed, type Rejection } from './people-records.js';
import { SyncErrorLog } from './sync-error-log.service.js';

export const PEOPLE_JOBS = {
  operators: 'people-sync-operators',
  teams: 'people-sync-teams',
  availability: 'people-sync-availability',
} as const;

const DAY = 86_400_000;

interface Collected<T> {
  records: T[];
  fetched: number;
  rejected: number;
  /** Ids of the rejected records (those that had one): present upstream, only unreadable. */
  rejectedIds: string[];
  /** The job was stopped before the fetch completed: nothing is written. */
  aborted: boolean;
}

export interface OperatorSyncPlan {
  full: boolean;
  /** Operators changed at or after this time are fetched (incremental runs only). */
  watermark: Date | null;
}

/**
 * One run of a People sync: fetch every page, validate and mask each record, log the rejected
 * ones, and only when the whole fetch succeeded write the cache in one transaction. A run that
 * fails or is stopped therefore leaves the previous cache exactly as it was. The memory cost
 * (the whole answer held at once) is bounded by the People dataset, a few tens of MB at 50,000
 * operators.
 */
@Injectable()
export class PeopleSyncService {
  private readonly logger = new Logger(PeopleSyncService.name);
  private readonly ttlMs: number;
  private readonly fullIntervalMs: number;
  private readonly availabilityDays: number;
  private readonly hashKey: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly client: PeopleClient,
    private readonly writer: CacheWriter,
    private readonly cache: PeopleCacheRepository,
    private readonly errors: SyncErrorLog,
    private readonly policies: MaskingPolicyService,
    config: ConfigService<Environment, true>,
    private readonly telemetry: PhaseTelemetry,
  ) {
    this.ttlMs = config.get('PEOPLE_CACHE_TTL_MS', { infer: true });
    this.fullIntervalMs = config.get('PEOPLE_FULL_SYNC_INTERVAL_MS', { infer: true });
    this.availabilityDays = config.get('PEOPLE_AVAILABILITY_DAYS', { infer: true });
    this.hashKey = config.get('PEOPLE_HASH_KEY', { infer: true });
  }

  async syncOperators({ signal }: JobRunContext): Promise<JobCounts> {
    await this.signalCacheAge('people_operator_cache');
    const startedAt = new Date();
    const plan = await this.operatorPlan(startedAt);
    const rules = await this.policies.rules();
    const params: Record<string, string> = plan.watermark ? { updated_since: plan.watermark.toISOString() } : {};
    const run = await this.collect(PEOPLE_JOBS.operators, '/v1/operators', params, signal, (raw) =>
      ingestOperator(raw, rules, this.hashKey),
    );
    const counts = { fetched: run.fetched, rejected: run.rejected, full: plan.full ? 1 : 0 };
    if (run.aborted) return { ...counts, upserted: 0, deactivated: 0, aborted: 1 };
    const written = await this.writer.writeOperators(
      run.records,
      run.rejectedIds,
      this.stamp(),
      plan.full ? startedAt : null,
    );
    // a full sync rewrites every operator under the current policy: the values it replaced
    // (less masked, after a policy change) must not stay behind in SQLite's WAL
    if (plan.full) await truncateSqliteWal(this.dataSource);
    return { ...counts, upserted: written.upserted, deactivated: written.retired };
  }

  async syncTeams({ signal }: JobRunContext): Promise<JobCounts> {
    await this.signalCacheAge('people_team_cache');
    const run = await this.collect(PEOPLE_JOBS.teams, '/v1/teams', {}, signal, (raw) => ingestTeam(raw, this.hashKey));
    const counts = { fetched: run.fetched, rejected: run.rejected };
    if (run.aborted) return { ...counts, upserted: 0, deactivated: 0, aborted: 1 };
    const written = await this.writer.writeTeams(run.records, run.rejectedIds, this.stamp());
    return { ...counts, upserted: written.upserted, deactivated: written.retired };
  }

  /** Availability from yesterday on, PEOPLE_AVAILABILITY_DAYS ahead; the window is replaced whole. */
  async syncAvailability({ signal }: JobRunContext): Promise<JobCounts> {
    await this.signalCacheAge('people_availability_cache');
    const start = new Date(Math.floor(Date.now() / DAY) * DAY - DAY);
    const end = new Date(start.getTime() + (this.availabilityDays + 1) * DAY);
    const params = { from: start.toISOString(), to: end.toISOString() };
    const run = await this.collect(PEOPLE_JOBS.availability, '/v1/availability', params, signal, (raw) =>
      ingestAvailability(raw, this.hashKey),
    );
    const counts = { fetched: run.fetched, rejected: run.rejected };
    if (run.aborted) return { ...counts, upserted: 0, removed: 0, aborted: 1 };
    const written = await this.writer.writeAvailability(run.records, { start, end }, this.stamp());
    return { ...counts, upserted: written.upserted, removed: written.retired };
  }

  /**
   * Full when no full sync is on record, the last one is PEOPLE_FULL_SYNC_INTERVAL_MS old, or
   * the masking policy changed since it started; otherwise incremental from the newest
   * `updated_at` in the cache (inclusive, so equal timestamps are never skipped).
   */
  async operatorPlan(now = new Date()): Promise<OperatorSyncPlan> {
    const { lastFull, watermark } = await this.cache.syncMarks();
    const policyChangedAt = await this.policies.lastChangedAt();
    const full =
      !lastFull ||
      now.getTime() - lastFull.getTime() >= this.fullIntervalMs ||
      (policyChangedAt !== null && policyChangedAt > lastFull);
    return { full, watermark: full ? null : watermark };
  }

  /** The age a cache reached when its sync starts, the most stale it got (`<table>_age_s`); nothing for an empty cache. */
  private async signalCacheAge(table: CacheTable): Promise<void> {
    if (!this.telemetry.enabled) return;
    const { fetchedAt } = await this.cache.summary(table);
    if (fetchedAt) this.telemetry.signal(9, `${table}_age_s`, (Date.now() - fetchedAt.getTime()) / 1000);
  }

  private stamp(): { fetchedAt: Date; expiresAt: Date } {
    const fetchedAt = new Date();
    return { fetchedAt, expiresAt: new Date(fetchedAt.getTime() + this.ttlMs) };
  }

  private async collect<T extends { id: string }>(
    job: string,
    path: string,
    params: Record<string, string>,
    signal: AbortSignal,
    ingest: (raw: unknown) => Parsed<T>,
  ): Promise<Collected<T>> {
    // keyed by id: a record repeated across pages counts once, the later copy winning
    const records = new Map<string, T>();
    const rejections: Rejection[] = [];
    let fetched = 0;
    try {
      for await (const items of this.client.pages(path, params, signal)) {
        for (const raw of items) {
          fetched++;
          const parsed = ingest(raw);
          if ('record' in parsed) records.set(parsed.record.id, parsed.record);
          else rejections.push(parsed.rejection);
        }
      }
    } catch (error) {
      if (!signal.aborted) {
        this.telemetry.signal(9, `${job}_failed`);
        const message = error instanceof Error ? error.message : String(error);
        await this.errors.record(job, [
          ...rejections,
          { recordId: null, error: `run failed, cache left unchanged: ${message}`, payloadHash: null },
        ]);
        throw error;
      }
      this.logger.warn({ msg: 'people sync stopped before its fetch completed: cache left unchanged', job, fetched });
      await this.errors.record(job, rejections);
      return { records: [], fetched, rejected: rejections.length, rejectedIds: [], aborted: true };
    }
    await this.errors.record(job, rejections);
    if (rejections.length)
      this.logger.warn({ msg: 'people sync rejected malformed records', job, rejected: rejections.length });
    const rejectedIds = [
      ...new Set(rejections.flatMap((r) => (r.recordId !== null && !records.has(r.recordId) ? [r.recordId] : []))),
    ];
    return { records: [...records.values()], fetched, rejected: rejections.length, rejectedIds, aborted: false };
  }
}
