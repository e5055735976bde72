import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { PhaseRegistry } from '../src/phases/phase-registry.service.js';
import { assertBuilt, ProcessResult, runCli } from './support/processes.js';
import { startTestApp, TestApp } from './support/test-app.js';
import { PROJECT_ROOT } from '../src/config/project-root.js';

const RUNBOOK = readFileSync(resolve(PROJECT_ROOT, 'docs/rollback-runbook.md'), 'utf8');

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
      const line = (label: string) => new RegExp(`^- ${label}: (.*)$`, 'm').exec(section)?.[1] ?? '';
      return {
        number: Number(/^Phase (\d+)/.exec(section)![1]),
        flags: list('Flags'),
        jobs: list('Jobs'),
        tables: list('Tables'),
        columns: list('Columns'),
        countQuery: /`([^`]+)`/.exec(line('Count query'))?.[1] ?? '',
        rollbackTime: line('Rollback time'),
        risk: /^(\w+)/.exec(line('Data-loss risk'))?.[1] ?? '',
      };
    });
}

/** The runbook's `## ` and `### ` headings, lower-cased. */
const headings = () => [...RUNBOOK.matchAll(/^#{2,3} (.*)$/gm)].map((m) => m[1].toLowerCase());

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
    const documented = documentedPhases()
      .sort((a, b) => a.number - b.number)
      .map(({ number, flags, tables, columns }) => ({ number, flags, tables, columns }));
    expect(documented).toEqual(expected);
  });

  it('gives each phase its jobs, a count query over its tables that runs, a measured time and the registry’s risk', async () => {
    const ds = t.app.get(DataSource);
    for (const phase of t.app.get(PhaseRegistry).all()) {
      const section = documentedPhases().find((p) => p.number === phase.number);
      expect({ phase: phase.number, jobs: section?.jobs }).toEqual({
        phase: phase.number,
        jobs: phase.jobs.map((j) => j.name).sort(),
      });
      expect({ phase: phase.number, risk: section?.risk }).toEqual({ phase: phase.number, risk: phase.dataLossRisk });
      // measured by the drill: seconds on both databases, not an estimate
      expect({ phase: phase.number, time: section?.rollbackTime }).toMatchObject({
        time: expect.stringMatching(/\d+(\.\d+)? s on SQLite.*\d+(\.\d+)? s on MariaDB/),
      });
      const query = section?.countQuery ?? '';
      for (const table of phase.tables)
        expect({ phase: phase.number, counts: query.includes(`FROM ${table.name})`) }).toEqual({
          phase: phase.number,
          counts: true,
        });
      const [row] = await ds.query<Array<Record<string, unknown>>>(query);
      expect(Object.keys(row).length).toBeGreaterThanOrEqual(phase.tables.length);
    }
  });

  it('carries the factory procedure’s sections: levels, checklists before and after, re-enabling, drill, contacts', () => {
    const all = headings();
    for (const heading of [
      'level 1: the environment kill switch',
      'last resort: database direct',
      'before you roll back: checklist',
      'after the rollback: checklist',
      're-enabling: prerequisites and the watch afterwards',
      'rehearsal: the quarterly drill',
      'contacts and review',
    ])
      expect({ heading, present: all.includes(heading) }).toEqual({ heading, present: true });
    for (const item of [
      'Full database backup',
      'Active users and work in flight',
      'Notify stakeholders',
      'Check the error logs',
    ])
      expect({ item, present: RUNBOOK.includes(`**${item}`) }).toEqual({ item, present: true });
    for (const when of ['Immediately:', 'Within the first hour:', 'Within 24 hours:'])
      expect({ when, present: RUNBOOK.includes(when) }).toEqual({ when, present: true });
    expect(RUNBOOK).toMatch(/24 to 48 hours/);
    expect(RUNBOOK).toMatch(/FEATURE_FLAGS_FORCE_OFF/);
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
          runCli(
            [...words.slice(0, ['rollback', 'restore'].includes(words[0]) && words[1] !== 'drill' ? 1 : 2), '--help'],
            env,
          ),
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
      (c) => (c[1] === 'rollback' && c[2] !== 'drill' && !c.includes('--resume')) || c[0].startsWith('scripts/'),
    );
    for (const command of rollbacks) {
      const args = [...command.filter((w) => w !== '--yes' && w !== '--dry-run'), '--dry-run'];
      const result =
        args[0] === 'phasegate'
          ? await runCli(args.slice(1), env)
          : await promisify(execFile)('bash', [resolve(PROJECT_ROOT, args[0]), ...args.slice(1)], {
              cwd: PROJECT_ROOT,
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
