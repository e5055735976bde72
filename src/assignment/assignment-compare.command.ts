import { Module } from '@nestjs/common';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { DomainError } from '../common/errors/domain-error.js';
import { AssignmentComparisonService, type MethodSummary } from './assignment-comparison.service.js';
import { AssignmentModule } from './assignment.module.js';
import { printJson, printTable, runCommand } from '../common/cli/command-output.js';

@SubCommand({
  name: 'compare',
  description:
    "Automatic vs manual assignment for a job's tokens (fill rate, fairness, differences, violations); writes nothing",
})
export class AssignmentCompareCommand extends CommandRunner {
  constructor(private readonly comparisons: AssignmentComparisonService) {
    super();
  }

  async run(_: string[], options: { job?: string; json?: boolean }): Promise<void> {
    await runCommand(async () => {
      if (!options.job) throw DomainError.validation([{ field: 'job', messages: ['is required (--job CODE)'] }]);
      const c = await this.comparisons.compareByCode(options.job);
      if (options.json) {
        printJson(c);
        return;
      }
      process.stdout.write(
        `Job ${c.jobCode}: ${c.tokens} token(s)${c.simulatedSpawn ? ' (spawn simulated at the start node)' : ''}, ` +
          `${c.eligibleOperators} eligible operator(s), directory ${c.directory}, at ${c.at.toISOString()}\n`,
      );
      const row = (method: string, s: MethodSummary) => ({
        method,
        fillRate: s.fillRate === null ? null : `${(s.fillRate * 100).toFixed(1)}%`,
        filled: s.filled,
        workloadVariance: s.workloadVariance,
        violations: s.violations,
      });
      printTable([row('manual', c.manual), row('automatic', c.automatic)]);
      process.stdout.write(`${c.differing} of ${c.tokens} assignment(s) differ\n`);
    }, options.json);
  }

  @Option({ flags: '--job <code>', description: 'the job code' })
  parseJob(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output, with every token' })
  parseJson() {
    return true;
  }
}

@Command({ name: 'assignment', description: 'Phase 7 automatic assignment', subCommands: [AssignmentCompareCommand] })
export class AssignmentCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

/** The CLI's Phase 7 commands. */
@Module({ imports: [AssignmentModule], providers: [AssignmentCommand, AssignmentCompareCommand] })
export class AssignmentCommandsModule {}
