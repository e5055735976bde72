import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { DomainError } from '../../common/errors/domain-error.js';
import { FlagsService, FlagView } from '../flags/flags.service.js';
import { cliActor, printJson, printTable, runCommand } from '../../common/cli/command-output.js';
import type { FlagRule } from '../flags/flag-rules.js';

/** `stations=ST-WELD,ST-CUT 10% by token; 50%`: a rule list in one table cell. */
export function describeRules(rules: readonly FlagRule[]): string {
  return rules
    .map((rule) =>
      [
        ...Object.entries(rule.scope ?? {}).map(([dimension, values]) => `${dimension}=${values.join(',')}`),
        ...(rule.percentage === undefined ? [] : [`${rule.percentage}% by ${rule.bucketBy ?? 'targetingKey'}`]),
      ].join(' '),
    )
    .join('; ');
}

const row = (f: FlagView) => ({
  key: f.key,
  phase: f.phase,
  stored: f.enabled ? 'on' : 'off',
  effective: f.effective ? 'on' : 'off',
  shadow: f.shadow ? 'yes' : 'no',
  rules: f.rules.length > 0 ? describeRules(f.rules) : null,
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

abstract class FlagsRulesChange extends CommandRunner {
  protected abstract readonly flags: FlagsService;

  protected async change(key: string, rules: unknown, options: { reason?: string; json?: boolean }): Promise<void> {
    await runCommand(async () => {
      const view = await this.flags.setRules(key, rules, { actor: cliActor(), reason: options.reason ?? '' });
      if (options.json) printJson({ ok: true, flag: view });
      else printTable([row(view)]);
    }, options.json);
  }

  @Option({ flags: '--reason <text>', description: 'why (required; kept in the rules audit)' })
  parseReason(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

@SubCommand({
  name: 'set',
  arguments: '<key> <rules>',
  description:
    'Replace a flag\'s targeting rules with a JSON list, e.g. \'[{"scope":{"stations":["ST-WELD"]}},{"percentage":10}]\'',
})
export class FlagsRulesSetCommand extends FlagsRulesChange {
  // Nest reads the injected types from each class's own constructor
  constructor(protected readonly flags: FlagsService) {
    super();
  }

  async run([key, text]: string[], options: { reason?: string; json?: boolean }): Promise<void> {
    await this.change(key, parseRules(text), options);
  }
}

@SubCommand({
  name: 'clear',
  arguments: '<key>',
  description: "Remove a flag's targeting rules: on or off for all work",
})
export class FlagsRulesClearCommand extends FlagsRulesChange {
  constructor(protected readonly flags: FlagsService) {
    super();
  }

  async run([key]: string[], options: { reason?: string; json?: boolean }): Promise<void> {
    await this.change(key, [], options);
  }
}

/** Text that is not JSON is reported like any other bad rule list, in the same command output. */
function parseRules(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

@SubCommand({
  name: 'rules',
  description: "Set or clear targeting rules (scopes, percentages) beside a flag's on/off value",
  subCommands: [FlagsRulesSetCommand, FlagsRulesClearCommand],
})
export class FlagsRulesCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

@Command({
  name: 'flags',
  description: 'List and switch phase feature flags and their targeting rules',
  subCommands: [FlagsListCommand, FlagsSetCommand, FlagsRulesCommand],
})
export class FlagsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
