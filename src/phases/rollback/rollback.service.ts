import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { present } from '../../common/present.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { inTransaction } from '../../database/transaction.js';
import { FullBackupService } from '../backup/full-backup.service.js';
import { FlagChange, FlagsService } from '../flags/flags.service.js';
import { JobsService } from '../jobs/jobs.service.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import { emergencyDetails } from './emergency-statements.js';
import { RollbackLease } from './rollback-lease.js';
import { RollbackLogEntry, RollbackStep } from './rollback-log.entity.js';
import { RollbackLog } from './rollback-log.service.js';
import { RollbackNotifier } from './rollback-notifier.js';
import { RollbackPlan, RollbackPlanner, RollbackRequest } from './rollback-planner.service.js';
import { phaseList, record, stepsFor, type RollbackRecord } from './rollback-record.js';
import { PhaseStepName, RollbackSteps, StepOutcome } from './rollback-steps.service.js';

/** Told about each step as it finishes, so the CLI can print progress. */
export type StepListener = (step: RollbackStep) => void;

/**
 * Runs the runbook: per phase, highest first, disable flags, stop jobs, optionally back up and
 * revert the schema, verify the legacy path; then close the log. Every step's status and
 * timing is saved as it happens, so a rollback cut off at any point can be resumed.
 * A rollback holds the rollback lease throughout; an emergency does not wait for it (it only
 * switches things off, which a running rollback would do anyway).
 */
@Injectable()
export class RollbackService {
  private readonly logger = new Logger(RollbackService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly planner: RollbackPlanner,
    private readonly steps: RollbackSteps,
    private readonly log: RollbackLog,
    private readonly notifier: RollbackNotifier,
    private readonly registry: PhaseRegistry,
    private readonly flags: FlagsService,
    private readonly jobs: JobsService,
    private readonly fullBackups: FullBackupService,
  ) {}

  /** The dry run: the full plan, refusals included, with nothing changed. */
  plan(request: RollbackRequest): Promise<RollbackPlan> {
    return this.planner.plan(request);
  }

  async rollback(request: RollbackRequest, onStep?: StepListener): Promise<RollbackRecord> {
    const reason = requireReason(request.reason);
    if (request.emergency) return this.emergency({ ...request, reason }, onStep);
    this.planner.phasesOf(request);
    return new RollbackLease(this.dataSource).hold(async () => {
      const plan = await this.planner.plan(request);
      if (plan.refusals.length)
        throw new DomainError(ErrorCode.UnsafeRequest, `Rollback refused: ${plan.refusals.join('; ')}`, {
          refusals: plan.refusals,
        });
      // before anything changes: a backup that fails refuses the rollback with nothing done
      if (plan.fullBackup) await this.fullBackups.take({ actor: request.actor, reason: `before rollback: ${reason}` });
      const entry = await this.log.create({
        kind: plan.kind,
        phases: plan.phases,
        revertSchema: plan.revertSchema,
        backup: plan.backup,
        reason,
        actor: request.actor,
        method: request.method ?? null,
        requestId: request.requestId ?? null,
        status: 'running',
        startedAt: new Date(),
        dataLoss: false,
        issues: [],
        steps: plan.steps,
        backupLocation: null,
      });
      await this.log.supersede(entry.id);
      return this.execute(entry, onStep);
    });
  }

  /** Continues the latest unfinished rollback from its first step not done. */
  async resume(actor: string, onStep?: StepListener): Promise<RollbackRecord> {
    return new RollbackLease(this.dataSource).hold(async () => {
      const entry = await this.log.unfinished();
      if (!entry) throw new DomainError(ErrorCode.InvalidState, 'There is no unfinished rollback to resume');
      for (const step of entry.steps)
        if (step.status === 'running' || step.status === 'failed') step.status = 'pending';
      entry.status = 'running';
      entry.issues = [...entry.issues, `resumed by ${actor} at ${new Date().toISOString()}`];
      await this.log.save(entry);
      return this.execute(entry, onStep);
    });
  }

  private async emergency(
    request: RollbackRequest & { reason: string },
    onStep?: StepListener,
  ): Promise<RollbackRecord> {
    const phases = this.planner.phasesOf(request);
    const entry = await this.log.create({
      kind: 'emergency',
      phases: phases.map((p) => p.number),
      revertSchema: false,
      backup: false,
      reason: request.reason,
      actor: request.actor,
      method: request.method ?? null,
      requestId: request.requestId ?? null,
      status: 'running',
      startedAt: new Date(),
      dataLoss: false,
      issues: [],
      steps: stepsFor('emergency', phases, false, false),
      backupLocation: null,
    });
    const change = changeOf(entry);
    const started = this.notifier.notify('rollback.started', entry);
    const [flagsStep, jobsStep, ...rest] = entry.steps;
    const keys = this.registry.flags().map((f) => f.key);
    const jobs = this.registry.jobs().map((j) => j.job.name);
    const switched = await this.timed(entry, flagsStep, onStep, async () => {
      await inTransaction(this.dataSource, async (em) => {
        if (keys.length) await this.flags.setMany(keys, false, change, em);
        if (jobs.length) await this.jobs.stopMany(jobs, change, em);
      });
      await this.flags.refresh();
      return { status: 'done', detail: emergencyDetails.switched({ flags: keys, jobs }) };
    });
    if (switched) {
      await this.timed(entry, jobsStep, onStep, async () => ({
        status: 'done',
        ...emergencyDetails.stopped(await this.jobs.stillRunning(jobs)),
      }));
      for (const step of rest.filter((s) => s.name === 'verify-legacy')) {
        await this.timed(entry, step, onStep, () => this.steps.run('verify-legacy', phaseOf(step), entry, change));
      }
    }
    return this.finish(entry, started, onStep);
  }

  private async execute(entry: RollbackLogEntry, onStep?: StepListener): Promise<RollbackRecord> {
    const change = changeOf(entry);
    const started = this.notifier.notify('rollback.started', entry);
    for (const step of entry.steps) {
      if (step.status === 'done' || step.status === 'skipped' || step.name === 'log') continue;
      const carriedOn = await this.timed(entry, step, onStep, () =>
        this.steps.run(step.name as PhaseStepName, phaseOf(step), entry, change),
      );
      if (!carriedOn) break;
    }
    return this.finish(entry, started, onStep);
  }

  /** Runs one step, saving it before and after; false when it threw (the rollback stops there). */
  private async timed(
    entry: RollbackLogEntry,
    step: RollbackStep,
    onStep: StepListener | undefined,
    work: () => Promise<StepOutcome>,
  ): Promise<boolean> {
    const t0 = Date.now();
    Object.assign(step, { status: 'running', startedAt: new Date(t0).toISOString(), durationMs: null, detail: null });
    await this.log.save(entry);
    let carriedOn = true;
    try {
      const outcome = await work();
      Object.assign(step, { status: outcome.status, detail: outcome.detail });
      if (outcome.issue) entry.issues = [...entry.issues, outcome.issue];
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      Object.assign(step, { status: 'failed', detail: message });
      entry.issues = [...entry.issues, `${step.phase === null ? '' : `phase ${step.phase} `}${step.name}: ${message}`];
      this.logger.error({
        msg: 'rollback step failed',
        rollback: entry.id,
        phase: step.phase,
        step: step.name,
        error: message,
      });
      carriedOn = false;
    }
    step.durationMs = Date.now() - t0;
    await this.log.save(entry);
    onStep?.(step);
    return carriedOn;
  }

  private async finish(
    entry: RollbackLogEntry,
    startNotice: Promise<string | null>,
    onStep?: StepListener,
  ): Promise<RollbackRecord> {
    const logStep = present(
      entry.steps.find((s) => s.name === 'log'),
      `the log step of rollback #${entry.id}`,
    );
    const failed = entry.steps.some((s) => s.status === 'failed');
    const pending = entry.steps.filter((s) => s.status === 'pending' && s !== logStep).length;
    await this.timed(entry, logStep, onStep, async () => {
      entry.status = failed || pending ? 'failed' : 'completed';
      entry.finishedAt = new Date();
      entry.durationMs = entry.finishedAt.getTime() - entry.startedAt.getTime();
      return {
        status: 'done',
        detail: `${entry.status}${pending ? `; ${pending} steps left for rollback --resume` : ''}`,
      };
    });
    // receivers must never see the end before the start: the start notice (bounded by the webhook timeout) goes first
    const delivery = [await startNotice, await this.notifier.notify('rollback.finished', entry)];
    // the template's lifecycle: a completed rollback is under investigation until its resolution is written
    if (entry.status === 'completed') void this.notifier.notify('rollback.investigating', entry);
    const undelivered = delivery.filter((d): d is string => d !== null);
    if (undelivered.length) {
      entry.issues = [...entry.issues, ...undelivered];
      await this.log.save(entry);
    }
    this.logger.log({
      msg: 'rollback finished',
      rollback: entry.id,
      kind: entry.kind,
      phases: phaseList(entry),
      status: entry.status,
      durationMs: entry.durationMs,
    });
    return record(entry);
  }
}

/** stepsFor gives every step a phase but the log step and an emergency's switch-offs, which are not run per phase. */
function phaseOf(step: RollbackStep): number {
  return present(step.phase, `the phase of step ${step.name}`);
}

function requireReason(reason: string | undefined): string {
  if (!reason?.trim())
    throw DomainError.validation([{ field: 'reason', messages: ['a rollback needs a reason (--reason TEXT)'] }]);
  return reason.trim();
}

function changeOf(entry: RollbackLogEntry): FlagChange {
  return {
    actor: entry.actor,
    reason: `rollback #${entry.id}: ${entry.reason}`.slice(0, 500),
    requestId: entry.requestId ?? undefined,
  };
}
