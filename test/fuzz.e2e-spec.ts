import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { Role } from '../src/common/auth/role.js';
import { DemoSeedService } from '../src/production/demo-seed.service.js';
import { fingerprint } from './support/db-fingerprint.js';
import { startTestApp, TestApp } from './support/test-app.js';

/**
 * Every endpoint of the OpenAPI document, fuzzed with hostile input: wrong types, malformed
 * JSON, huge and deeply nested payloads, unicode, SQL and script fragments. Never a 5xx
 * (bar the documented 503s), never a stack trace, never a crash, and a refused request
 * changes no row.
 */
const TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_MS ?? 45_000);
const DOCUMENTED_503 = new Set(['READ_ONLY', 'DATA_UNAVAILABLE']);
/** Columns that move on any authenticated request, refused or not. */
const VOLATILE = ['api_key.last_used_at', 'migration_lock', 'job_lease'];

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  bodyProps: string[];
}

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    "' OR '1'='1",
    '1; DROP TABLE token; --',
    '<script>alert(1)</script>',
    '../../../../etc/passwd',
    '%00',
    '\u0000',
    '💥'.repeat(300),
    'x'.repeat(5000),
    '-1',
    '0',
    '1e309',
    'NaN',
    'null',
    'true',
    '9007199254740993',
    '2026-02-30T25:61:00Z',
    '__proto__',
    'constructor',
  ),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 64),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/** Deep nesting is built as text: serialising it would overflow the test's own stack. */
const nested = (depth: number) => '{"a":'.repeat(depth) + '"deep"' + '}'.repeat(depth);

/** Bodies: schema-shaped with hostile values, arbitrary JSON, or structural extremes. */
const bodyFor = (op: Operation): fc.Arbitrary<unknown> =>
  fc.oneof(
    op.bodyProps.length > 0
      ? fc.record(Object.fromEntries(op.bodyProps.map((p) => [p, hostileValue])), { requiredKeys: [] })
      : fc.constant({}),
    fc.jsonValue({ maxDepth: 4 }),
    fc.constantFrom<unknown>(
      Array.from({ length: 20_000 }, (_, i) => i),
      [],
      'text',
      12,
    ),
  );

const rawBody = fc.constantFrom(
  '{',
  '{"a":',
  '[1,2',
  'nul',
  '{"a":1}}',
  '\u0000',
  '{"a":"\\ud800"}',
  '{"__proto__":{"polluted":true}}',
  nested(60),
  nested(20_000),
  `"${'x'.repeat(2_000_000)}"`,
);

interface OpenApiOperation {
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
}

function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const ref = op.requestBody?.content?.['application/json']?.schema?.$ref;
      const schema = ref ? doc.components?.schemas?.[ref.split('/').pop()!] : undefined;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        bodyProps: Object.keys(schema?.properties ?? {}),
      });
    }
  }
  return ops;
}

describe('fuzzing every endpoint from its OpenAPI schema', () => {
  let t: TestApp;
  let ds: DataSource;
  let ops: Operation[];

  beforeAll(async () => {
    t = await startTestApp({ JOBS_ENABLED: 'false' });
    await t.app.get(DemoSeedService).seed();
    ds = t.app.get(DataSource);
    ops = operationsOf((await t.http().get('/docs-json').expect(200)).body).filter(
      (o) => !o.path.startsWith('/health') && o.path !== '/metrics',
    );
  });
  afterAll(() => t.close());

  it('finds the operations', () => {
    expect(ops.length).toBeGreaterThan(20);
  });

  it('never answers 5xx, leaks a stack or changes a row on a refused request', async () => {
    const seen = new Map<string, number>();
    const requestArb = fc.constantFrom(...ops).chain((op) =>
      fc.record({
        op: fc.constant(op),
        pathValues: fc.array(fc.oneof(fc.integer({ min: 1, max: 5 }).map(String), hostileString), {
          minLength: op.pathParams.length,
          maxLength: op.pathParams.length,
        }),
        query: fc.record(Object.fromEntries([...op.queryParams, 'unexpected'].map((q) => [q, hostileValue])), {
          requiredKeys: [],
        }),
        body: fc.oneof(
          { weight: 4, arbitrary: bodyFor(op).map((b) => ({ json: b })) },
          { weight: 1, arbitrary: rawBody.map((raw) => ({ raw })) },
        ),
      }),
    );

    await fc.assert(
      fc.asyncProperty(requestArb, async ({ op, pathValues, query, body }) => {
        let url = op.path;
        op.pathParams.forEach((name, i) => (url = url.replace(`{${name}}`, encodeURIComponent(pathValues[i]))));
        const qs = new URLSearchParams(
          Object.entries(query).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
        ).toString();
        const before = await fingerprint(ds, VOLATILE);
        let req = t.call(op.method, qs ? `${url}?${qs}` : url).set(t.auth(Role.Admin));
        if (op.method !== 'GET') {
          req = req.set('content-type', 'application/json').send('raw' in body ? body.raw : JSON.stringify(body.json));
        }
        const res = await req;
        seen.set(`${res.status}`, (seen.get(`${res.status}`) ?? 0) + 1);
        const where = `${op.method} ${url} -> ${res.status} ${res.text.slice(0, 300)}`;
        if (res.status >= 500)
          expect({ where, documented: res.status === 503 && DOCUMENTED_503.has(res.body?.code) }).toEqual({
            where,
            documented: true,
          });
        expect(res.text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
        if (res.status >= 400)
          expect({ where, tables: await fingerprint(ds, VOLATILE) }).toEqual({ where, tables: before });
      }),
      {
        numRuns: 100_000,
        plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS, { failOnInterrupt: false })],
        endOnFailure: true,
      },
    );
    // the process is alive and still serving
    await t.http().get('/health/live').expect(200);
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
  });
});
