import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, CLI_JS, MAIN_JS, runNode } from './support/processes.js';

/** The server and the CLI, started as an operator would, with one bad variable each. */
describe('a bad environment refuses to start and names the variable', () => {
  let dir: string;
  beforeAll(() => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'phasegate-env-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['server', MAIN_JS, [], 'PORT', 'abc'],
    ['server', MAIN_JS, [], 'DB_TYPE', 'postgres'],
    ['server', MAIN_JS, [], 'BODY_LIMIT', 'lots'],
    ['server', MAIN_JS, [], 'MIGRATE_ON_START', 'perhaps'],
    ['CLI', CLI_JS, ['keys', 'list'], 'PORT', 'abc'],
    ['CLI', CLI_JS, ['migrate', '--status'], 'DB_TYPE', 'postgres'],
  ])('%s with %s=%s', async (_, script, args, variable, value) => {
    const dbPath = join(dir, `${variable}.sqlite`);
    const result = await runNode(script, args, { DB_PATH: dbPath, PORT: '0', [variable]: value });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^Invalid environment:\\n  ${variable}: `));
    // refused before touching anything: no database file was created
    expect(existsSync(dbPath)).toBe(false);
  });
});
