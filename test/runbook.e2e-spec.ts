import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { assertBuilt, ProcessResult, ROOT, runCli } from './support/processes.js';
import { startTestApp, TestApp } from './support/test-app.js';

const RUNBOOK = readFileSync(resolve(ROOT, 'docs/rollback-runbook.md'), 'utf8');

/** `### Phase N: Title` sections and their `- Flags:`, `- Tables:`, `- Columns:` lists. */
function documentedPhases() {
  return RUNBOOK.split(/^### /m)
    .slice(1)
    .filter((s) => /^Phase \d+/.test(s))
    .map((section) => {
      const list = (label: string) =>
        [...(new RegExp(`^- ${label}: (.*)$`, 'm').exec(section)?.[1] ?? '').matchAll(/`([^`]+)`/g)]
          .map((m) => m[1])
          .sort();
      return {
        number: Number(/^Phase (\d+)/.exec(section)![1]),
        flags: list('Flags'),
        tables: list('Tables'),
        columns: list('Columns'),
      };
    });
}

/** Every command line in the runbook's sh blocks, split like a shell would (quotes kept together). */
function documentedCommands(): string[][] {
  const blocks = [...RUNBOOK.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks
    .flatMap((b) => b.split('\n'))
    .filter((l) => l.trim())
    .map((l) => [...l.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]));
}

describe('rollback runbook is true to the registry and the CLI', () => {
  let t: TestApp;
  let env: Record<string, string | undefined>;
  beforeAll(async () => {
    assertBuilt();
    t = await startTestApp({ JOBS_ENABLED: 'false' });
    env = { ...t.db.env, JOBS_ENABLED: 'false' };
  });
  afterAll(() => t.close());

  it('names exactly the registry’s phases, flags, tables and columns', () => {
    const registry = t.app.get(PhaseRegistry).all();
    const expected = registry.map((p) => ({
      number: p.number,
      flags: p.flags.map((f) => f.key).sort(),
      tables: p.tables.map((x) => x.name).sort(),
      columns: p.columns.map((c) => `${c.table}.${c.column}`).sort(),
    }));
    expect(documentedPhases().sort((a, b) => a.number - b.number)).toEqual(expected);
  });

  it('documents only commands and options the CLI takes', async () => {
    const commands = documentedCommands();
    expect(commands.length).toBeGreaterThan(10);
    const unknown = commands.filter((c) => c[0] !== 'phasegate' && !c[0].startsWith('scripts/'));
    expect(unknown).toEqual([]);
    const helps = new Map<string, Promise<ProcessResult>>();
    for (const command of commands.filter((c) => c[0] === 'phasegate')) {
      const words = command.slice(1, command.slice(1).findIndex((w) => w.startsWith('--')) + 1 || undefined);
      const key = words.slice(0, 2).join(' ');
      if (!helps.has(key))
        helps.set(
          key,
          runCli([...words.slice(0, words[0] === 'rollback' || words[0] === 'restore' ? 1 : 2), '--help'], env),
        );
      const help = await helps.get(key)!;
      expect({ command: command.join(' '), code: help.code }).toEqual({ command: command.join(' '), code: 0 });
      for (const option of command.filter((w) => w.startsWith('--'))) {
        expect({
          command: command.join(' '),
          option,
          known: help.stdout.includes(`${option} `) || help.stdout.includes(`${option}\n`),
        }).toMatchObject({ known: true });
      }
    }
  });

  it('every documented rollback command plans cleanly as a dry run', async () => {
    const rollbacks = documentedCommands().filter(
      (c) => (c[1] === 'rollback' && !c.includes('--resume')) || c[0].startsWith('scripts/'),
    );
    for (const command of rollbacks) {
      const args = [...command.filter((w) => w !== '--yes' && w !== '--dry-run'), '--dry-run'];
      const result =
        args[0] === 'phasegate'
          ? await runCli(args.slice(1), env)
          : await promisify(execFile)('bash', [resolve(ROOT, args[0]), ...args.slice(1)], {
              cwd: ROOT,
              env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
            }).then(
              (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
              (e: unknown) => {
                const failed = e as { code: number; stdout: string; stderr: string };
                return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
              },
            );
      // 2 is a plan that would be refused on this empty database (out of stack order): still a valid command
      expect({
        command: command.join(' '),
        code: result.code === 2 ? 0 : result.code,
        stderr: result.stderr,
      }).toMatchObject({ command: command.join(' '), code: 0 });
      expect(result.stdout).toMatch(/^Plan: /m);
    }
  }, 180_000);
});
