import {
  assertBuilt,
  jsonLines,
  PHASEGATE_BIN,
  runCli,
  runProcess,
  ServerProcess,
  startServer,
} from './support/processes.js';
import { createTestDatabase, TestDatabase, withDataSource } from './support/test-database.js';
import { checkedFetch } from './support/openapi-contract.js';

/**
 * The built server as production runs it (JSON log lines on stdout), driven over real HTTP:
 * what its logs say and what its error bodies say.
 */
describe('platform: the server process', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let key: string;
  const get = (path: string, headers: Record<string, string> = {}) => checkedFetch(`${server.url}${path}`, { headers });
  const postJson = (path: string, body: string) =>
    checkedFetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body,
    });
  const logLine = async (requestId: string) => {
    // the access log is written when the response finishes, which may be after the client has it
    for (let i = 0; i < 50; i++) {
      const line = jsonLines(server.stdout()).find(
        (l) => (l.message as { requestId?: string })?.requestId === requestId,
      );
      if (line) return line;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no access log line for ${requestId}:\n${server.stdout()}`);
  };

  beforeAll(async () => {
    assertBuilt();
    db = await createTestDatabase();
    const created = await runCli(['keys', 'create', '--role', 'supervisor', '--name', 'log-probe', '--json'], db.env);
    expect(created).toMatchObject({ code: 0 });
    key = JSON.parse(created.stdout).key;
    server = await startServer({ ...db.env, BODY_LIMIT: '1kb' });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it("the package's `phasegate` bin is the admin CLI, so the runbook's commands run as written", async () => {
    const listed = await runProcess(PHASEGATE_BIN, ['keys', 'list'], db.env);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toContain('log-probe');
  });

  it('writes one JSON access log line with method, route, status, duration, request id and key name, never the key', async () => {
    const res = await get('/api/v1/auth/me', { authorization: `Bearer ${key}`, 'x-request-id': 'access-log-probe' });
    expect(res.status).toBe(200);
    const line = await logLine('access-log-probe');
    expect(line).toMatchObject({ level: 'log', context: 'Access' });
    expect(line.message).toEqual({
      msg: 'request',
      method: 'GET',
      route: '/api/v1/auth/me',
      status: 200,
      durationMs: expect.any(Number),
      requestId: 'access-log-probe',
      key: 'log-probe',
    });
    expect(server.stdout() + server.stderr()).not.toContain(key);
    expect(server.stdout() + server.stderr()).not.toContain(key.slice(12));
  });

  it('answers malformed JSON with a clean 400, not the parser internals', async () => {
    const res = await postJson('/api/v1/auth/me', '{"quantity": 1,');
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'Request body is not valid JSON',
      requestId: res.headers.get('x-request-id'),
    });
  });

  it('answers a body over BODY_LIMIT with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await postJson('/api/v1/auth/me', JSON.stringify({ note: 'x'.repeat(2048) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'Request body is too large',
      requestId: res.headers.get('x-request-id'),
    });
  });

  // last: it breaks the database under the running server
  it('answers an unknown error with 500 INTERNAL and a request id; the stack goes to the log only', async () => {
    await withDataSource(db, (ds) => ds.query('DROP TABLE api_key'));
    const res = await get('/api/v1/auth/me', { authorization: `Bearer ${key}`, 'x-request-id': 'broken-db-probe' });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      code: 'INTERNAL',
      message: 'Internal server error',
      requestId: 'broken-db-probe',
    });
    expect(text).not.toMatch(/api_key|QueryFailedError|\bat \S+ \(/);

    await logLine('broken-db-probe');
    const logged = jsonLines(server.stderr()).find((l) => l.context === 'AllExceptionsFilter');
    expect(logged).toMatchObject({ level: 'error', message: { msg: 'unhandled error', requestId: 'broken-db-probe' } });
    expect(String(logged!.stack)).toMatch(/QueryFailedError[\s\S]*\n\s+at /);
  });
});
