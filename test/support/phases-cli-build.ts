import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { bundle } from '../../scripts/bundler.js';
import type { EnvironmentInput } from '../../src/config/environment.js';
import { ProcessResult, runNode } from './processes.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';

export const PHASES_CLI_JS = resolve(PROJECT_ROOT, 'dist/e2e/bundle/phases-cli.js');
const LOCK = resolve(PROJECT_ROOT, 'dist/e2e.lock');
const BUILD_INFO = resolve(PROJECT_ROOT, 'dist/e2e/.tsbuildinfo');

/**
 * Compiles the CLI with the sample phases (incremental, a few seconds) and bundles it as
 * `npm run build` bundles the real one. Suites running in parallel take turns through a lock
 * directory, since they share the output.
 */
export async function buildPhasesCli(): Promise<void> {
  mkdirSync(resolve(PROJECT_ROOT, 'dist'), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (waited > 120_000) throw new Error(`${LOCK} held for two minutes: remove it if no test run is building`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    await promisify(execFile)(
      process.execPath,
      [
        resolve(PROJECT_ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        resolve(PROJECT_ROOT, 'test/support/tsconfig.phases-cli.json'),
      ],
      { cwd: PROJECT_ROOT },
    ).catch((error: unknown) => {
      // tsc exits 2 when it reports type errors but still wrote every file: type checking is the
      // build's job (npm run build), this one only needs the JavaScript
      if ((error as { code?: unknown }).code !== 2) throw error;
    });
    // tsc leaves its build info untouched when nothing changed; rebundling then would empty
    // the bundle's directory under another suite's running CLI
    if (!existsSync(PHASES_CLI_JS) || statSync(PHASES_CLI_JS).mtimeMs < statSync(BUILD_INFO).mtimeMs) {
      await bundle(
        { 'phases-cli': resolve(PROJECT_ROOT, 'dist/e2e/test/support/phases-cli.js') },
        dirname(PHASES_CLI_JS),
      );
    }
  } finally {
    rmdirSync(LOCK);
  }
}

/** Runs the sample-phase CLI to completion. */
export function runPhasesCli(args: string[], env: EnvironmentInput, timeoutMs = 120_000): Promise<ProcessResult> {
  return runNode(PHASES_CLI_JS, args, env, timeoutMs);
}
