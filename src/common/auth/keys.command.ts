import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { DomainError } from '../errors/domain-error.js';
import { ApiKeysService } from './api-keys.service.js';
import { Role } from './role.js';
import { printTable, runCommand } from '../cli/command-output.js';

@SubCommand({ name: 'create', description: 'Create an API key and print it once' })
export class KeysCreateCommand extends CommandRunner {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  async run(_: string[], options: { role?: string; name?: string; json?: boolean }): Promise<void> {
    await runCommand(async () => {
      if (!options.role || !options.name) {
        throw DomainError.validation([
          { field: !options.role ? 'role' : 'name', messages: ['is required (--role R --name N)'] },
        ]);
      }
      const created = await this.keys.create(options.name, options.role);
      if (options.json) {
        process.stdout.write(JSON.stringify(created) + '\n');
        return;
      }
      process.stdout.write(`Created key #${created.id} "${created.name}" with role ${created.role}.\n`);
      process.stdout.write(`Store it now; it is shown only this once:\n\n  ${created.key}\n\n`);
    }, options.json);
  }

  @Option({ flags: '--role <role>', description: `one of ${Object.values(Role).join(', ')}` })
  parseRole(v: string) {
    return v;
  }

  @Option({ flags: '--name <name>', description: 'who or what uses the key' })
  parseName(v: string) {
    return v;
  }

  @Option({ flags: '--json', description: 'machine-readable output' })
  parseJson() {
    return true;
  }
}

@SubCommand({ name: 'list', description: 'List API keys (never the keys themselves)' })
export class KeysListCommand extends CommandRunner {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  async run(): Promise<void> {
    await runCommand(async () => {
      const keys = await this.keys.list();
      printTable(
        keys.map((k) => ({
          id: k.id,
          name: k.name,
          role: k.role,
          prefix: k.keyPrefix,
          created: k.createdAt,
          lastUsed: k.lastUsedAt,
          revoked: k.revokedAt,
        })),
      );
    });
  }
}

@SubCommand({ name: 'revoke', arguments: '<id>', description: 'Revoke an API key; it stops working at once' })
export class KeysRevokeCommand extends CommandRunner {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  async run([id]: string[]): Promise<void> {
    await runCommand(async () => {
      if (!/^\d+$/.test(id)) throw DomainError.validation([{ field: 'id', messages: ['must be a key id (a number)'] }]);
      const key = await this.keys.revoke(Number(id));
      process.stdout.write(`Revoked key #${key.id} "${key.name}".\n`);
    });
  }
}

@Command({
  name: 'keys',
  description: 'Manage API keys',
  subCommands: [KeysCreateCommand, KeysListCommand, KeysRevokeCommand],
})
export class KeysCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
