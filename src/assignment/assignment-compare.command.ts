import { Module } from '@nestjs/common';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { DomainError } from '../common/errors/domain-error.js';
import {
  AssignmentComparisonService,
  COMPARE_PAGE_LIMIT,
  type ComparedToken,
  type Comparison,
  type MethodSummary,
} from './assignment-comparison.service.js';
import { AssignmentModule } from './assignment.module.js';
import { printJson, printTable, runCommand } from '../common/cli/command-output.js';

/** A long comparison's progress goes to stderr at most this often, so stdout stays the JSON. */
const PROGRESS_EVERY_MS = 1000;

@SubCommand({
  name: 'compare',
  description:
    "Automatic vs manual assignment for a job's tokens (fill rate, fairness, differences, violations); writes nothing",
})
export class AssignmentCompareCommand extends CommandRunner {
  constructor(private readonly comparisons: AssignmentComparisonService) {
    super();
  }

  async run(_: string[], options: { job?: string; json?: boolean; pageSize?: string }): Promise<void> {
    await runCommand(async () => {
      if (!options.job) throw DomainError.validation([{ field: 'job', messages: ['is required (--job CODE)'] }]);
      const limit = pageSize(options.pageSize);
      if (options.json) {
        printJson(await this.everyPage(options.job, limit));
        return;
      }
      const c = await this.comparisons.compareByCode(options.job, { limit: 1 });
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

  /** Every token of the job, page after page, with the last page's figures. */
  private async everyPage(job: string, limit: number): Promise<Comparison> {
    const details: ComparedToken[] = [];
    let page = await this.comparisons.compareByCode(job, { limit });
    let reported = Date.now();
    for (;;) {
      details.push(...page.details);
      if (page.nextCursor === null) break;
      if (Date.now() - reported >= PROGRESS_EVERY_MS) {
        process.stderr.write(`compared ${details.length} of ${page.tokens} token(s)\n`);
        reported = Date.now();
      }
      page = await this.comparisons.compareByCode(job, { cursor: page.nextCursor, limit });
    }
    if (details.length > limit) process.stderr.write(`compared ${details.length} of ${page.tokens} token(s)\n`);
    return { ...page, details };
  }

  @Option({ flags: '--job <code>', description: 'the job code' })
  parseJob(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output, with every token (read page by page)' })
  parseJson() {
    return true;
  }

  @Option({
    flags: '--page-size <n>',
    description: `tokens per page read for --json (1 to ${COMPARE_PAGE_LIMIT.max}, the default)`,
  })
  parsePageSize(v: string) {
    return v;
  }
}

function pageSize(value: string | undefined): number {
  if (value === undefined) return COMPARE_PAGE_LIMIT.max;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > COMPARE_PAGE_LIMIT.max)
    throw DomainError.validation([
      { field: 'page-size', messages: [`must be a whole number from 1 to ${COMPARE_PAGE_LIMIT.max}, got "${value}"`] },
    ]);
  return n;
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
