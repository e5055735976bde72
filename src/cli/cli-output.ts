import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';

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

export function printTable(rows: Array<Record<string, unknown>>): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const columns = Object.keys(rows[0]);
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : v instanceof Date ? v.toISOString() : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd() + '\n';
  process.stdout.write(line(columns));
  for (const r of rows) process.stdout.write(line(columns.map((c) => cell(r[c]))));
}
