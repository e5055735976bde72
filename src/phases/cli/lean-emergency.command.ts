import { readDatabaseEnvironment } from '../../config/database-environment.js';
import { printStep, report } from './rollback-report.js';
import { cliActor, runCommand } from '../../common/cli/command-output.js';

export interface LeanEmergencyArgs {
  reason: string;
  json: boolean;
}

/**
 * The invocation the lean path serves: `rollback --emergency --reason TEXT --yes`, with
 * `--json` optional and nothing else. Anything more (a dry run, no --yes, so a prompt that
 * shows the plan, --help, another option) is the full command's to answer, or to refuse.
 */
export function leanEmergencyArgs(args: readonly string[]): LeanEmergencyArgs | null {
  if (args[0] !== 'rollback') return null;
  let reason: string | undefined;
  const flags = new Set<string>();
  for (let i = 1; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--reason' && i + 1 < args.length) reason = args[++i];
    else if (arg.startsWith('--reason=')) reason = arg.slice('--reason='.length);
    else if (['--emergency', '--yes', '--json'].includes(arg)) flags.add(arg);
    else return null;
  }
  if (!flags.has('--emergency') || !flags.has('--yes') || !reason?.trim()) return null;
  return { reason: reason.trim(), json: flags.has('--json') };
}

/** Runs the lean emergency; false when it cannot serve this database and the application must boot instead. */
export async function runLeanEmergency(args: LeanEmergencyArgs): Promise<boolean> {
  let served = true;
  await runCommand(async () => {
    const env = readDatabaseEnvironment();
    const { leanEmergency } = await import('../rollback/lean-emergency.js');
    const outcome = await leanEmergency(env, { reason: args.reason, actor: cliActor() });
    if ('fallback' in outcome) {
      process.stderr.write(`lean emergency path unavailable (${outcome.fallback}): booting the application\n`);
      served = false;
      return;
    }
    if (!args.json) outcome.rollback.steps.forEach(printStep);
    report(outcome.rollback, args.json);
  }, args.json);
  return served;
}
