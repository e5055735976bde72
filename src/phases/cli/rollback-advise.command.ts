import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { phaseNumber, printJson, printTable, runCommand } from '../../common/cli/command-output.js';
import { parseMinutes } from '../advice/advice-window.js';
import { RollbackAdviceService, type AdviceReport } from '../advice/rollback-advice.service.js';

interface AdviseOptions {
  phase?: string;
  window?: string;
  fixEta?: string;
  json?: boolean;
}

@SubCommand({
  name: 'advise',
  description:
    "The factory's decision tree over each phase's path telemetry: emergency, planned rollback, pause, fix forward or no action, with its evidence",
})
export class RollbackAdviseCommand extends CommandRunner {
  constructor(private readonly advice: RollbackAdviceService) {
    super();
  }

  async run(): Promise<void> {
    // `rollback` declares --phase and --json too, and commander gives an option written after
    // the subcommand to the parent that knows it: read both levels
    const options = this.command.optsWithGlobals<AdviseOptions>();
    await runCommand(async () => {
      const report = await this.advice.advise({
        ...(options.phase !== undefined ? { phase: phaseNumber(options.phase, 'phase') } : {}),
        ...(options.window !== undefined ? { windowMinutes: parseMinutes(options.window, 'window') } : {}),
        ...(options.fixEta !== undefined ? { fixEtaMinutes: parseMinutes(options.fixEta, 'fix-eta') } : {}),
      });
      if (options.json) printJson({ ok: true, ...report });
      else printReport(report);
    }, options.json);
  }

  @Option({ flags: '--phase <n>', description: 'advise on this phase only (default: every phase)' })
  parsePhase(v: string) {
    return v;
  }

  @Option({ flags: '--window <duration>', description: 'telemetry read, e.g. 30m, 24h, 7d (default 24h)' })
  parseWindow(v: string) {
    return v;
  }

  @Option({
    flags: '--fix-eta <duration>',
    description: 'when a fix is expected, e.g. 30m: within the hour a non-emergency issue goes forward',
  })
  parseFixEta(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

function printReport(report: AdviceReport): void {
  process.stdout.write(`Window: ${report.window.from} to ${report.window.to} (${report.window.minutes} min)\n\n`);
  printTable(report.phases.map((p) => ({ phase: p.phase, title: p.title, advice: p.advice, rule: p.rule })));
  for (const p of report.phases) {
    process.stdout.write(`\nPhase ${p.phase} ${p.title}: ${p.advice.toUpperCase()} (${p.rule})\n  ${p.why}\n`);
    const on = p.state.flags.filter((f) => f.effective).map((f) => f.key);
    const forced = p.state.flags.filter((f) => f.forcedOff).map((f) => f.key);
    process.stdout.write(
      `  flags on: ${on.join(', ') || 'none'}${forced.length ? `; kill switch: ${forced.join(', ')}` : ''}; schema ${p.state.schema}` +
        `; last rollback: ${p.state.lastRollback ? `#${p.state.lastRollback.id} ${p.state.lastRollback.startedAt.toISOString()}` : 'none'}\n`,
    );
    if (p.guardrails.length)
      printTable(p.guardrails.map((g) => ({ guardrail: g.guardrail, verdict: g.verdict, detail: g.detail })));
  }
  process.stdout.write(`\nAdvice: ${report.advice}\n`);
}
