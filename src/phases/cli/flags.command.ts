import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { DomainError } from '../../common/errors/domain-error.js';
import { FlagsService, FlagView } from '../flags/flags.service.js';
import { cliActor, printJson, printTable, runCommand } from '../../common/cli/command-output.js';

const row = (f: FlagView) => ({
  key: f.key,
  phase: f.phase,
  stored: f.enabled ? 'on' : 'off',
  effective: f.effective ? 'on' : 'off',
  shadow: f.shadow ? 'yes' : 'no',
  note: f.reason,
  updated: f.updatedAt,
  by: f.updatedBy,
});

@SubCommand({ name: 'list', description: 'Every phase flag: stored value, effective value (kill switch applied)' })
export class FlagsListCommand extends CommandRunner {
  constructor(private readonly flags: FlagsService) {
    super();
  }

  async run(_: string[], options: { json?: boolean }): Promise<void> {
    await runCommand(async () => {
      if (options.json) printJson(this.flags.list());
      else printTable(this.flags.list().map(row));
    }, options.json);
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

@SubCommand({
  name: 'set',
  arguments: '<key> <state>',
  description: 'Switch a flag on or off (state: on|off), with a reason for the audit',
})
export class FlagsSetCommand extends CommandRunner {
  constructor(private readonly flags: FlagsService) {
    super();
  }

  async run([key, state]: string[], options: { reason?: string; json?: boolean }): Promise<void> {
    await runCommand(async () => {
      if (state !== 'on' && state !== 'off')
        throw DomainError.validation([{ field: 'state', messages: [`must be on or off, got "${state}"`] }]);
      const view = await this.flags.set(key, state === 'on', { actor: cliActor(), reason: options.reason ?? '' });
      if (options.json) printJson({ ok: true, flag: view });
      else printTable([row(view)]);
    }, options.json);
  }

  @Option({ flags: '--reason <text>', description: 'why (required; kept in the flag audit)' })
  parseReason(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

@Command({
  name: 'flags',
  description: 'List and switch phase feature flags',
  subCommands: [FlagsListCommand, FlagsSetCommand],
})
export class FlagsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
