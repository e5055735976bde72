import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { DomainError } from '../../common/errors/domain-error.js';
import type { RollbackSummary } from '../rollback/rollback-log.service.js';
import { PhaseStatusService } from '../status/phase-status.service.js';
import { RollForwardService } from '../rollback/roll-forward.service.js';
import { cliActor, phaseNumber, printJson, printTable, runCommand } from '../../common/cli/command-output.js';

@SubCommand({ name: 'status', description: 'Each phase: schema, flags, jobs, tables and its last rollback' })
export class PhasesStatusCommand extends CommandRunner {
  constructor(private readonly status: PhaseStatusService) {
    super();
  }

  async run(_: string[], options: { json?: boolean }): Promise<void> {
    await runCommand(async () => {
      const phases = await this.status.all();
      if (options.json) return printJson(phases);
      printTable(
        phases.map((p) => ({
          phase: p.number,
          key: p.key,
          schema: p.schema.state,
          flagsOn:
            p.flags
              .filter((f) => f.effective)
              .map((f) => f.key)
              .join(',') || 'none',
          jobs:
            p.jobs.map((j) => `${j.name}${j.stopped ? ':stopped' : ''}${j.running ? ':running' : ''}`).join(',') ||
            'none',
          rows: p.tables.map((t) => `${t.name}=${t.rows ?? '-'}`).join(' '),
          risk: p.dataLossRisk,
          lastRollback: p.lastRollback ? describeLast(p.lastRollback) : '-',
        })),
      );
    }, options.json);
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

@SubCommand({
  name: 'enable',
  description: 'Roll a phase forward: migrate its schema up, then switch its flags on and resume its jobs',
})
export class PhasesEnableCommand extends CommandRunner {
  constructor(private readonly rollForward: RollForwardService) {
    super();
  }

  async run(
    _: string[],
    options: { phase?: string; shadowOnly?: boolean; reason?: string; json?: boolean },
  ): Promise<void> {
    await runCommand(async () => {
      if (options.phase === undefined)
        throw DomainError.validation([{ field: 'phase', messages: ['is required (--phase N)'] }]);
      const phase = phaseNumber(options.phase, 'phase');
      const reason = options.reason ?? `phases enable --phase ${phase}${options.shadowOnly ? ' --shadow-only' : ''}`;
      const result = await this.rollForward.enable(
        phase,
        { shadowOnly: options.shadowOnly },
        { actor: cliActor(), reason },
      );
      if (options.json) return printJson({ ok: true, ...result });
      process.stdout.write(
        `Phase ${phase}: ${result.migrationsApplied.length ? `applied ${result.migrationsApplied.join(', ')}` : 'schema already up'}\n`,
      );
      process.stdout.write(
        `  flags on: ${result.flagsOn.join(', ') || 'none'}\n  jobs resumed: ${result.jobsResumed.join(', ') || 'none'}\n`,
      );
    }, options.json);
  }

  @Option({ flags: '--phase <n>', description: 'the phase to enable' })
  parsePhase(v: string) {
    return v;
  }

  @Option({
    flags: '--shadow-only',
    description: 'switch on only the shadow flags (evaluate the new path without applying it)',
  })
  parseShadowOnly() {
    return true;
  }

  @Option({ flags: '--reason <text>', description: 'why (kept in the flag audit)' })
  parseReason(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

@Command({
  name: 'phases',
  description: 'Phase status and roll forward',
  subCommands: [PhasesStatusCommand, PhasesEnableCommand],
})
export class PhasesCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

function describeLast(r: RollbackSummary): string {
  return `#${r.id} ${r.kind} ${r.status} ${r.startedAt.toISOString()}`;
}
