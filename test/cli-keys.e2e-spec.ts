import { appMigrations } from '../src/app.module.js';
import { assertBuilt, runCli, ServerProcess, startServer } from './support/processes.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { checkedFetch } from './support/openapi-contract.js';

const KEY = /pgk_[A-Za-z0-9_-]{43}/g;

/** The built admin CLI against a database a running server shares, as an operator uses them. */
describe('CLI: keys and migrate', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  const cli = (...args: string[]) => runCli(args, db.env);
  const me = (key: string) =>
    checkedFetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    assertBuilt();
    db = await createTestDatabase();
    // on an empty database the CLI applies the schema before creating the key
    const first = await cli('keys', 'create', '--role', 'viewer', '--name', 'first');
    expect(first.code).toBe(0);
    server = await startServer(db.env);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('creates a key, prints it once, and the running server accepts it; list never shows it; revoke stops it at once', async () => {
    const created = await cli('keys', 'create', '--role', 'operator', '--name', 'line-3 tablet');
    expect(created.code).toBe(0);
    const printed: string[] = created.stdout.match(KEY) ?? [];
    expect(printed).toHaveLength(1);
    const key = printed[0];
    const id = Number(/Created key #(\d+)/.exec(created.stdout)?.[1]);

    const before = await me(key);
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({ id, name: 'line-3 tablet', role: 'operator' });

    const listed = await cli('keys', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+line-3 tablet\\s+operator\\s+${key.slice(0, 12)}\\s`, 'm'));
    expect(listed.stdout).not.toMatch(KEY);
    expect(listed.stdout).not.toContain(key.slice(12));

    const revoked = await cli('keys', 'revoke', String(id));
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked key #${id} "line-3 tablet".\n` });
    expect((await me(key)).status).toBe(401);
  });

  it('prints machine-readable JSON with --json', async () => {
    const created = await cli('keys', 'create', '--role', 'station', '--name', 'scanner', '--json');
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout);
    expect(body).toEqual({
      id: expect.any(Number),
      name: 'scanner',
      role: 'station',
      key: expect.stringMatching(/^pgk_/),
    });
    expect((await me(body.key)).status).toBe(200);
  });

  it.each([
    [['keys', 'create', '--role', 'boss', '--name', 'x'], 'role'],
    [['keys', 'create', '--role', 'admin'], 'name'],
    [['keys', 'create', '--name', 'x'], 'role'],
    [['keys', 'revoke', 'seven'], 'id'],
  ])('refuses %j with exit 1 and names the field %s', async (args, field) => {
    const result = await cli(...args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^  ${field}: `, 'm'));
    expect(result.stdout).not.toMatch(KEY);
  });

  it('refuses to revoke a key that does not exist', async () => {
    const result = await cli('keys', 'revoke', '999999');
    expect(result).toMatchObject({ code: 1, stderr: 'error: API key 999999 not found\n' });
  });

  it('migrate --status lists every migration as applied', async () => {
    const result = await cli('migrate', '--status');
    expect(result.code).toBe(0);
    const names = appMigrations().map((M) => new M().name ?? M.name);
    for (const name of names) expect(result.stdout).toMatch(new RegExp(`^${name}\\s+\\S+\\s+yes$`, 'm'));
    expect(result.stdout.trim().split('\n')).toHaveLength(names.length + 1);
  });
});
