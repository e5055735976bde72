import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';

/** Who ran a command, as the flag audit and the rollback log record it. */
export function cliActor(): string {
  return `cli:${userInfo().username}@${hostname()}`.slice(0, 100);
}

/**
 * Destructive commands ask first. Without a terminal there is nobody to ask, so they refuse
 * unless --yes says the caller already decided.
 */
export async function confirm(question: string, yes: boolean | undefined, showFirst?: () => Promise<void>): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw new DomainError(ErrorCode.UnsafeRequest, 'Refusing without confirmation: stdin is not a terminal. Pass --yes to confirm non-interactively');
  }
  await showFirst?.();
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} Type "yes" to go ahead: `);
    if (answer.trim().toLowerCase() !== 'yes') throw new DomainError(ErrorCode.UnsafeRequest, 'Not confirmed; nothing was changed');
  } finally {
    rl.close();
  }
}

export function phaseNumber(value: string, option: string): number {
  if (!/^\d+$/.test(value)) throw DomainError.validation([{ field: option, messages: [`must be a phase number, got "${value}"`] }]);
  return Number(value);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
