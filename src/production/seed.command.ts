import { Command, CommandRunner, Option } from 'nest-commander';
import { DomainError } from '../common/errors/domain-error.js';
import { DEMO_GRAPH_CODE, DemoSeedService } from './demo-seed.service.js';
import { printTable, runCommand } from '../common/cli/command-output.js';

/** `seed --demo`: the quickstart's demo factory; says so and exits 0 when it is there already. */
@Command({
  name: 'seed',
  description: 'Seed data (--demo: the demo factory with graph, operators, teams, plans and jobs)',
})
export class SeedCommand extends CommandRunner {
  constructor(private readonly demo: DemoSeedService) {
    super();
  }

  async run(_: string[], options: { demo?: boolean }): Promise<void> {
    await runCommand(async () => {
      if (!options.demo) throw DomainError.validation([{ field: 'demo', messages: ['say what to seed: --demo'] }]);
      const result = await this.demo.seed();
      for (const line of result.extras) process.stdout.write(`Seeded ${line}\n`);
      if (!result.created) {
        process.stdout.write(
          `The demo factory (graph ${DEMO_GRAPH_CODE}, id ${result.graphId}) already exists; nothing to do.\n`,
        );
        return;
      }
      process.stdout.write(
        `Seeded the demo factory: graph ${DEMO_GRAPH_CODE} (id ${result.graphId}), 20 operators, 3 teams, node plans and jobs:\n`,
      );
      printTable(result.jobs.map((j) => ({ job: j.code, status: j.status, firstToken: j.firstSerial })));
      const serial = result.jobs.find((j) => j.firstSerial)?.firstSerial;
      if (serial) {
        process.stdout.write(
          `\nTry a scan: POST /api/v1/scans {"stationCode":"ST-KIT","barcode":"${serial}"} (a second scan, more than SCAN_DEDUP_WINDOW_MS later, completes it and routes it on).\n`,
        );
      }
    });
  }

  @Option({ flags: '--demo', description: 'seed the demo factory' })
  parseDemo() {
    return true;
  }
}
