import { spawn } from 'node:child_process';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OWNER_FILE_MODE } from './owner-only.js';

export interface ServerLogin {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** MariaDB's names first, then MySQL's: Debian's mariadb-client installs both. */
export const DUMP_TOOLS = ['mariadb-dump', 'mysqldump'];
export const CLIENT_TOOLS = ['mariadb', 'mysql'];
/** Enough of a failing tool's stderr to say why. */
const STDERR_LIMIT = 4000;

/**
 * Runs a MariaDB/MySQL client tool as a child process with the login in an option file of
 * mode 0600 inside a private temporary folder: a password on the command line or in the
 * environment would be readable by other users (`ps`, /proc/<pid>/environ). Output and input
 * are streamed, so neither the dump's size nor its duration holds the event loop.
 */
export async function runClientTool(
  tools: string[],
  login: ServerLogin,
  args: string[],
  io: { stdin?: Readable; stdout?: Writable },
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'phasegate-client-'));
  const optionFile = join(dir, 'login.cnf');
  try {
    await writeFile(optionFile, optionFileText(login), { mode: OWNER_FILE_MODE, flag: 'wx' });
    await run(await installed(tools), [`--defaults-extra-file=${optionFile}`, ...args], io);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The first of `tools` found on PATH, so that no stream is spent on a tool that is not there. */
async function installed(tools: string[]): Promise<string> {
  for (const tool of tools) {
    for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const path = join(dir, tool);
      if (
        await access(path, constants.X_OK).then(
          () => true,
          () => false,
        )
      )
        return path;
    }
  }
  throw new Error(`none of ${tools.join(', ')} is on PATH (apt-get install mariadb-client)`);
}

function optionFileText(login: ServerLogin): string {
  const quoted = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return [
    '[client]',
    `host=${quoted(login.host)}`,
    `port=${login.port}`,
    `user=${quoted(login.user)}`,
    `password=${quoted(login.password)}`,
    '',
  ].join('\n');
}

function run(tool: string, args: string[], io: { stdin?: Readable; stdout?: Writable }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: [io.stdin ? 'pipe' : 'ignore', io.stdout ? 'pipe' : 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk.toString();
    });
    const streams: Array<Promise<void>> = [];
    if (io.stdin && child.stdin) streams.push(pipeline(io.stdin, child.stdin));
    if (io.stdout && child.stdout) streams.push(pipeline(child.stdout, io.stdout));
    const done = Promise.all(streams);
    child.once('error', (error) => {
      done.catch(() => undefined);
      reject(error);
    });
    child.once('close', (code, signal) => {
      if (code === 0) return void done.then(() => resolve(), reject);
      done.catch(() => undefined);
      reject(new Error(`${tool} failed (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`));
    });
  });
}
