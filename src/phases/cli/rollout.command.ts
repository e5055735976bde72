import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { cliActor, phaseNumber, printJson, printTable, runCommand } from '../../common/cli/command-output.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { describeStage } from '../rollout/rollout-stages.js';
import { RolloutService, type RolloutView } from '../rollout/rollout.service.js';

interface Options {
  phase?: number;
  json?: boolean;
  reason?: string;
}

interface PlanOptions extends Options {
  stages?: string;
  minDuration?: string;
  minSample?: number;
  approval?: boolean;
}

interface AdvanceOptions extends Options {
  force?: boolean;
}

function required<T>(value: T | undefined, field: string, why: string): T {
  if (value === undefined) throw DomainError.validation([{ field, messages: [why] }]);
  return value;
}

function printView({ plan, decision, events }: RolloutView): void {
  const stage = plan.stages[plan.currentStage];
  process.stdout.write(
    `Rollout ${String(plan.id)} of phase ${String(plan.phase)}: ${plan.status}, stage ${String(plan.currentStage + 1)} of ${String(plan.stages.length)} (${describeStage(stage)}) since ${plan.stageStartedAt.toISOString()}\n`,
  );
  process.stdout.write(`Stages: ${plan.stages.map(describeStage).join(' -> ')}\n`);
  if (decision) {
    process.stdout.write(`Guard now: ${decision.action}: ${decision.reason}\n`);
    printTable(decision.results.map((r) => ({ guardrail: r.guardrail, verdict: r.verdict, detail: r.detail })));
  }
  const last = events.at(-1);
  if (last)
    process.stdout.write(`Last event: ${last.action} by ${last.actor} at ${last.at.toISOString()}: ${last.reason}\n`);
}

abstract class RolloutSubCommand extends CommandRunner {
  constructor(protected readonly rollouts: RolloutService) {
    super();
  }

  protected async live(options: Options): Promise<number> {
    return (await this.rollouts.liveOf(required(options.phase, 'phase', 'is required: --phase <n>'))).id;
  }

  protected reason(options: Options): string {
    return required(options.reason, 'reason', 'is required: --reason <text>');
  }

  protected print(view: RolloutView, options: Options): void {
    if (options.json) printJson({ ok: true, ...view });
    else printView(view);
  }

  @Option({ flags: '--phase <n>', description: 'the phase' })
  parsePhase(v: string) {
    return phaseNumber(v, 'phase');
  }

  @Option({ flags: '--reason <text>', description: 'why (kept in the plan events and the flag audit)' })
  parseReason(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

@SubCommand({
  name: 'plan',
  description:
    'Start a rollout: --phase N --stages shadow,station:ST-WELD,10%,50%,100% [--min-duration 24h] [--min-sample 500] [--approval] --reason ...',
})
export class RolloutPlanCommand extends RolloutSubCommand {
  async run(_: string[], options: PlanOptions): Promise<void> {
    await runCommand(async () => {
      const view = await this.rollouts.plan({
        phase: required(options.phase, 'phase', 'is required: --phase <n>'),
        stages: required(options.stages, 'stages', 'is required: --stages shadow,10%,100%'),
        minDuration: options.minDuration,
        minSample: options.minSample,
        approval: options.approval,
        reason: this.reason(options),
        actor: cliActor(),
      });
      this.print(view, options);
    }, options.json);
  }

  @Option({
    flags: '--stages <list>',
    description: 'shadow, <scope>:<code>[+<code>], <n>%, 100%; each may end @<n>m|h|d',
  })
  parseStages(v: string) {
    return v;
  }

  @Option({ flags: '--min-duration <d>', description: "each stage's minimum duration: <n>m, <n>h, <n>d (default 24h)" })
  parseMinDuration(v: string) {
    return v;
  }

  @Option({ flags: '--min-sample <n>', description: 'new-path calls each stage must see (default 500)' })
  parseMinSample(v: string) {
    if (!/^\d+$/.test(v)) throw DomainError.validation([{ field: 'minSample', messages: ['must be a whole number'] }]);
    return Number(v);
  }

  @Option({ flags: '--approval', description: 'wait for a person to approve each healthy stage' })
  parseApproval() {
    return true;
  }
}

@SubCommand({
  name: 'status',
  description: "A phase's live rollout (or the recent ones): stage, guardrails now, last event",
})
export class RolloutStatusCommand extends RolloutSubCommand {
  async run(_: string[], options: Options): Promise<void> {
    await runCommand(async () => {
      if (options.phase !== undefined) {
        this.print(await this.rollouts.view(await this.live(options)), options);
        return;
      }
      const plans = await this.rollouts.list(20);
      if (options.json) {
        printJson({ ok: true, plans });
        return;
      }
      printTable(
        plans.map((p) => ({
          id: p.id,
          phase: p.phase,
          status: p.status,
          stage: `${String(p.currentStage + 1)}/${String(p.stages.length)} ${describeStage(p.stages[p.currentStage])}`,
          since: p.stageStartedAt,
          by: p.createdBy,
        })),
      );
    }, options.json);
  }
}

@SubCommand({
  name: 'advance',
  description:
    'Move the live rollout of --phase to its next stage (approves one awaiting approval); --force past a closed gate',
})
export class RolloutAdvanceCommand extends RolloutSubCommand {
  async run(_: string[], options: AdvanceOptions): Promise<void> {
    await runCommand(async () => {
      const id = await this.live(options);
      const change = { actor: cliActor(), reason: this.reason(options), force: options.force === true };
      this.print(await this.rollouts.advance(id, change), options);
    }, options.json);
  }

  @Option({ flags: '--force', description: 'past a closed shadow gate or a breached guardrail (audited as forced)' })
  parseForce() {
    return true;
  }
}

@SubCommand({ name: 'pause', description: 'Hold the live rollout of --phase at its stage' })
export class RolloutPauseCommand extends RolloutSubCommand {
  async run(_: string[], options: Options): Promise<void> {
    await runCommand(async () => {
      const id = await this.live(options);
      this.print(await this.rollouts.pause(id, { actor: cliActor(), reason: this.reason(options) }), options);
    }, options.json);
  }
}

@SubCommand({ name: 'resume', description: "Resume the paused rollout of --phase (its stage's window starts again)" })
export class RolloutResumeCommand extends RolloutSubCommand {
  async run(_: string[], options: Options): Promise<void> {
    await runCommand(async () => {
      const id = await this.live(options);
      this.print(await this.rollouts.resume(id, { actor: cliActor(), reason: this.reason(options) }), options);
    }, options.json);
  }
}

@SubCommand({ name: 'abort', description: 'End the live rollout of --phase where it stands (its flags stay)' })
export class RolloutAbortCommand extends RolloutSubCommand {
  async run(_: string[], options: Options): Promise<void> {
    await runCommand(async () => {
      const id = await this.live(options);
      this.print(await this.rollouts.abort(id, { actor: cliActor(), reason: this.reason(options) }), options);
    }, options.json);
  }
}

@Command({
  name: 'rollout',
  description: 'Rollout plans with guardrails: plan, status, advance, pause, resume, abort',
  subCommands: [
    RolloutPlanCommand,
    RolloutStatusCommand,
    RolloutAdvanceCommand,
    RolloutPauseCommand,
    RolloutResumeCommand,
    RolloutAbortCommand,
  ],
})
export class RolloutCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
