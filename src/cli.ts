#!/usr/bin/env node
import { leanEmergencyArgs, runLeanEmergency } from './phases/cli/lean-emergency.command.js';

/**
 * The admin CLI's entry. `rollback --emergency --reason TEXT --yes [--json]` runs the lean
 * emergency path, which loads the database driver and nothing of Nest, so it finishes in a
 * fraction of the application's start-up time; every other command, and an emergency the lean
 * path cannot serve, boots the application (admin-cli.ts), imported only then.
 */
async function main(): Promise<void> {
  const lean = leanEmergencyArgs(process.argv.slice(2));
  if (lean && (await runLeanEmergency(lean))) return;
  const { runAdminCli } = await import('./admin-cli.js');
  await runAdminCli();
}

void main();
