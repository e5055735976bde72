import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { DomainError } from '../errors/domain-error.js';
import { ErrorCode } from '../errors/error-code.js';

/** What every admin command shares: exit codes, error lines, tables, JSON, confirmation, the actor. */

/** Exit codes every admin command shares: 0 done, 2 refused as unsafe, 1 error. */
export enum ExitCode {
  Done = 0,
  Error = 1,
  Refused = 2,
}

const REFUSALS = new Set<ErrorCode>([
  ErrorCode.UnsafeRequest,
  ErrorCode.SchemaNotApplied,
  ErrorCode.RollbackInProgress,
  ErrorCode.RolloutActive,
  ErrorCode.Conflict,
  ErrorCode.InvalidState,
]);

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof DomainError && REFUSALS.has(error.code) ? ExitCode.Refused : ExitCode.Error;
}

/** Runs a command body, printing failures as one readable line and setting the exit code. */
export async function runCommand(body: () => Promise<void>, json = false): Promise<void> {
  try {
    await body();
  } catch (error) {
    const code = exitCodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    if (json) {
      const details = error instanceof DomainError ? { code: error.code, ...error.details } : {};
      process.stdout.write(JSON.stringify({ ok: false, error: message, ...details }) + '\n');
    } else {
      process.stderr.write(`${code === ExitCode.Refused ? 'refused' : 'error'}: ${message}\n`);
      if (error instanceof DomainError && Array.isArray(error.details?.errors)) {
        for (const e of error.details.errors as Array<{ field: string; messages: string[] }>) {
          process.stderr.write(`  ${e.field}: ${e.messages.join('; ')}\n`);
        }
      }
    }
    process.exitCode = code;
  }
}

/** What a table cell shows: a missing value as `-`, a time in ISO form. */
export type TableCell = string | number | boolean | Date | null | undefined;

export function printTable(rows: ReadonlyArray<Record<string, TableCell>>): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const columns = Object.keys(rows[0]);
  const cell = (v: TableCell) =>
    v === null || v === undefined ? '-' : v instanceof Date ? v.toISOString() : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd() + '\n';
  process.stdout.write(line(columns));
  for (const r of rows) process.stdout.write(line(columns.map((c) => cell(r[c]))));
}

/** Who ran a command, as the flag audit and the rollback log record it. */
export function cliActor(): string {
  return `cli:${userInfo().username}@${hostname()}`.slice(0, 100);
}

/**
 * Destructive commands ask first. Without a terminal there is nobody to ask, so they refuse
 * unless --yes says the caller already decided.
 */
export async function confirm(
  question: string,
  yes: boolean | undefined,
  showFirst?: () => Promise<void>,
): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw new DomainError(
      ErrorCode.UnsafeRequest,
      'Refusing without confirmation: stdin is not a terminal. Pass --yes to confirm non-interactively',
    );
  }
  await showFirst?.();
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} Type "yes" to go ahead: `);
    if (answer.trim().toLowerCase() !== 'yes')
      throw new DomainError(ErrorCode.UnsafeRequest, 'Not confirmed; nothing was changed');
  } finally {
    rl.close();
  }
}

export function phaseNumber(value: string, option: string): number {
  if (!/^\d+$/.test(value))
    throw DomainError.validation([{ field: option, messages: [`must be a phase number, got "${value}"`] }]);
  return Number(value);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
