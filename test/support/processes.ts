import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EnvironmentInput } from '../../src/config/environment.js';
import { PROJECT_ROOT } from '../../src/config/project-root.js';

/**
 * The built entry points, run as real processes: what an operator starts is what these
 * suites test. scripts/test.sh builds dist/ before jest runs.
 */
export const MAIN_JS = resolve(PROJECT_ROOT, 'dist/bundle/main.js');
/** The built admin CLI, which bin/phasegate (the package's `phasegate` bin) runs. */
export const CLI_JS = resolve(PROJECT_ROOT, 'dist/bundle/cli.js');
/** The same CLI unbundled, as tsc built it: for a hook that patches its modules' instances. */
export const UNBUNDLED_CLI_JS = resolve(PROJECT_ROOT, 'dist/src/cli.js');
/** The runbook's `phasegate`: the package's bin entry, run as an operator runs it. */
export const PHASEGATE_BIN = resolve(
  PROJECT_ROOT,
  (JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'package.json'), 'utf8')) as { bin: { phasegate: string } }).bin
    .phasegate,
);

export function assertBuilt(): void {
  for (const file of [MAIN_JS, CLI_JS, UNBUNDLED_CLI_JS]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (scripts/test.sh does)`);
  }
}

/**
 * Only what a process needs: PATH and HOME from the runner, nothing of the test's own
 * environment (TEST_DB and the like), then the given variables.
 */
function processEnv(env: EnvironmentInput): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', ...env };
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the admin CLI to completion. */
export function runCli(args: string[], env: EnvironmentInput, timeoutMs = 60_000): Promise<ProcessResult> {
  return runNode(CLI_JS, args, env, timeoutMs);
}

export function runNode(
  script: string,
  args: string[],
  env: EnvironmentInput,
  timeoutMs = 60_000,
): Promise<ProcessResult> {
  return runProcess(process.execPath, [script, ...args], env, timeoutMs);
}

/** Runs any command from the project root with only the given environment. */
export function runProcess(
  command: string,
  args: string[],
  env: EnvironmentInput,
  timeoutMs = 60_000,
): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: processEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port> once the server listens */
  url: string;
  /** everything the process wrote so far */
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM, then the exit code */
  stop: () => Promise<number | null>;
}

/**
 * Starts `node dist/bundle/main.js` on a free port (PORT=0) and resolves once it reports the
 * port it listens on.
 */
export function startServer(env: EnvironmentInput, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN_JS], {
    cwd: PROJECT_ROOT,
    env: processEnv({ PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let listening = false;
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const port = /listening: API http:\/\/localhost:(\d+)\//.exec(stdout)?.[1];
      if (port && !listening) {
        listening = true;
        clearTimeout(timer);
        resolvePromise({
          child,
          url: `http://127.0.0.1:${port}`,
          stdout: () => stdout,
          stderr: () => stderr,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

/** JSON log lines of a process's output; other lines are skipped. */
export function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
