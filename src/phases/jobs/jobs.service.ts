import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { AppMode, Environment } from '../../config/environment.js';
import { LeaseTable } from '../../database/lease.js';
import { inTransaction } from '../../database/transaction.js';
import type { FlagChange } from '../flags/flags.service.js';
import { FlagsService } from '../flags/flags.service.js';
import type { PhaseJob } from '../phase-definition.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import { READ_ONLY_HOLD, type JobHold } from './job-hold.js';
import type { JobRun } from './job-run.entity.js';
import { JobsRepository } from './jobs.repository.js';

export interface JobStatus {
  name: string;
  phase: number;
  description: string;
  cron: string;
  flag: string;
  stopped: boolean;
  running: boolean;
  leaseHolder: string | null;
  lastRun: JobRun | null;
  nextRun: Date | null;
  /** What keeps every tick of this replica from running, whatever the flag and stop say. */
  heldBy: JobHold | null;
}

/**
 * A job of the core rather than of a phase (the retention job): no flag gates its ticks, and
 * its runs are recorded under phase 0. Stop, resume, run now and the lease work as for any job.
 */
export type CoreJob = Omit<PhaseJob, 'flag'>;

interface FoundJob {
  phase: number;
  job: CoreJob;
  flag: string | null;
}

export interface StopResult {
  waitedMs: number;
  stillRunning: boolean;
}

const POLL_MS = 100;

/**
 * Runs phase jobs one replica at a time and remembers every run. A run holds the job's lease
 * (renewed while it works) and gets an AbortSignal that a stop on this replica fires; a stop
 * is stored in job_control, so the other replicas stop ticking too.
 */
@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);
  private readonly lease: LeaseTable;
  private readonly ttlMs: number;
  private readonly stopWaitMs: number;
  private readonly local = new Map<string, AbortController>();
  private readonly runs: Counter;
  private readonly counted: Counter;
  private readonly hold: JobHold | null;
  private readonly core: CoreJob[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: JobsRepository,
    private readonly registry: PhaseRegistry,
    private readonly flags: FlagsService,
    metrics: MetricsService,
    private readonly scheduler: SchedulerRegistry,
    config: ConfigService<Environment, true>,
  ) {
    this.lease = new LeaseTable(dataSource, 'job_lease');
    this.ttlMs = config.get('JOB_LEASE_TTL_MS', { infer: true });
    this.stopWaitMs = config.get('JOB_STOP_WAIT_MS', { infer: true });
    this.hold = config.get('APP_MODE', { infer: true }) === AppMode.ReadOnly ? READ_ONLY_HOLD : null;
    this.runs = metrics.counter('phase_job_runs_total', 'Phase job runs by job and status', ['job', 'status']);
    this.counted = metrics.counter('phase_job_items_total', 'Items a phase job reported, by job and count name', [
      'job',
      'count',
    ]);
  }

  /** Adds a core job; called while modules initialise, before the scheduler starts the jobs. */
  addCoreJob(job: CoreJob): void {
    this.core.push(job);
  }

  /** Every job the scheduler runs: the phases' and the core's. */
  scheduled(): CoreJob[] {
    return [...this.registry.jobs().map(({ job }) => job), ...this.core];
  }

  /** A scheduled tick: runs only unheld, with the job's flag on, the job not stopped, and the tick not taken. */
  async tick(name: string, tick: Date): Promise<JobRun | null> {
    const { phase, job, flag } = this.find(name);
    if (this.hold || (flag !== null && !this.flags.isEnabled(flag)) || (await this.isStopped(name))) return null;
    const held = await this.lease.hold(name, this.ttlMs, () => this.runHoldingLease(phase, job, 'schedule'), { tick });
    return held.acquired ? held.value : null;
  }

  /** An operator's "run now": still one replica at a time; refused while a run is in flight. */
  async runNow(name: string, progress?: (line: string) => void): Promise<JobRun> {
    const { phase, job } = this.find(name);
    if (this.hold)
      throw new DomainError(
        ErrorCode.ReadOnly,
        `Job ${name} is held by ${this.hold} (APP_MODE=readonly): it does not run`,
        {
          job: name,
        },
      );
    const held = await this.lease.hold(name, this.ttlMs, () => this.runHoldingLease(phase, job, 'manual', progress));
    if (held.acquired) return held.value;
    throw new DomainError(
      ErrorCode.Conflict,
      `Job ${name} is already running${held.holder ? ` on ${held.holder.owner}` : ''}`,
      { job: name },
    );
  }

  async stop(name: string, change: FlagChange, waitMs = this.stopWaitMs): Promise<StopResult> {
    this.find(name);
    await inTransaction(this.dataSource, (em) => this.stopMany([name], change, em));
    return this.waitUntilIdle(name, waitMs);
  }

  /** Stores the stops (joining `manager`'s transaction) and aborts local runs; does not wait. */
  async stopMany(names: string[], change: FlagChange, manager: EntityManager): Promise<void> {
    await this.store.storeStops(manager, names, change);
    for (const name of names) this.local.get(name)?.abort(new Error(`stopped by ${change.actor}: ${change.reason}`));
  }

  async resume(name: string, change: FlagChange): Promise<void> {
    this.find(name);
    await this.store.resume(name, change, new Date());
  }

  /** Waits (bounded) until no replica holds the job's lease. */
  async waitUntilIdle(name: string, waitMs: number): Promise<StopResult> {
    const started = Date.now();
    while (await this.isRunning(name)) {
      if (Date.now() - started >= waitMs) {
        this.logger.warn({ msg: 'job still running after stop wait', job: name, waitedMs: Date.now() - started });
        return { waitedMs: Date.now() - started, stillRunning: true };
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return { waitedMs: Date.now() - started, stillRunning: false };
  }

  async isRunning(name: string): Promise<boolean> {
    return (await this.lease.holder(name)) !== null;
  }

  /** Of `names`, the jobs a live holder is still running: one query for all of them. */
  stillRunning(names: readonly string[]): Promise<string[]> {
    return this.store.stillRunning(names);
  }

  async isStopped(name: string): Promise<boolean> {
    return (await this.store.control(name))?.stopped === true;
  }

  async status(name: string): Promise<JobStatus> {
    const { phase, job, flag } = this.find(name);
    const [holder, control, lastRun] = await Promise.all([
      this.lease.holder(name),
      this.store.control(name),
      this.store.lastRun(name),
    ]);
    return {
      name,
      phase,
      description: job.description,
      cron: job.cron,
      flag: flag ?? '',
      stopped: control?.stopped === true,
      running: holder !== null,
      leaseHolder: holder?.owner ?? null,
      lastRun,
      // only replicas with JOBS_ENABLED schedule anything
      nextRun: this.scheduler.doesExist('cron', name) ? this.scheduler.getCronJob(name).nextDate().toJSDate() : null,
      heldBy: this.hold,
    };
  }

  async recentRuns(name: string, limit = 20): Promise<JobRun[]> {
    this.find(name);
    return this.store.recentRuns(name, limit);
  }

  /** Called holding the job's lease. */
  private async runHoldingLease(
    phase: number,
    job: CoreJob,
    triggeredBy: JobRun['triggeredBy'],
    progress?: (line: string) => void,
  ): Promise<JobRun> {
    const controller = new AbortController();
    this.local.set(job.name, controller);
    let run: JobRun | undefined;
    try {
      // we hold the lease, so any run still marked running was abandoned by a crashed holder
      await this.store.failRunning(job.name, 'abandoned: its process stopped before finishing', new Date());
      run = await this.store.startRun({ jobName: job.name, phase, triggeredBy, owner: this.lease.owner }, new Date());
      try {
        const counts = (await job.run({ signal: controller.signal, manual: triggeredBy === 'manual', progress })) ?? {};
        Object.assign(run, { status: 'succeeded', counts, finishedAt: new Date() });
        for (const [count, value] of Object.entries(counts)) this.counted.inc({ job: job.name, count }, value);
      } catch (error) {
        Object.assign(run, {
          status: 'failed',
          error: error instanceof Error ? error.message : String(error),
          finishedAt: new Date(),
        });
        this.logger.error({ msg: 'job run failed', job: job.name, phase, error: run.error });
      }
      await this.store.saveRun(run);
      this.runs.inc({ job: job.name, status: run.status });
      return run;
    } finally {
      this.local.delete(job.name);
    }
  }

  private find(name: string): FoundJob {
    const found = this.registry.jobs().find((j) => j.job.name === name);
    if (found) return { phase: found.phase.number, job: found.job, flag: found.job.flag };
    const core = this.core.find((j) => j.name === name);
    if (core) return { phase: 0, job: core, flag: null };
    throw DomainError.notFound('Job', name);
  }
}
