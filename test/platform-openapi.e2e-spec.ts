import { compileErrors, validate } from '@readme/openapi-parser';
import { startTestApp, TestApp } from './support/test-app.js';

interface Operation {
  security?: Array<Record<string, string[]>>;
  requestBody?: unknown;
  parameters?: unknown[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

/** Anonymous by design (see route-access.e2e-spec.ts). */
const PUBLIC_OPERATIONS = new Set(['get /health/live', 'get /health/ready']);

describe('OpenAPI document at /docs-json', () => {
  let t: TestApp;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  let operations: Array<[string, Operation]>;
  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http().get('/docs-json').expect(200)).body;
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]): [string, Operation] => [`${method} ${path}`, op]),
    );
  });
  afterAll(() => t.close());

  it('is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    // validate() dereferences in place: give it a copy
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
  });

  it('documents 401 and 403 on every protected operation, with the error body', () => {
    expect(operations.length).toBeGreaterThan(PUBLIC_OPERATIONS.size);
    const missing = operations
      .filter(([name]) => !PUBLIC_OPERATIONS.has(name))
      .flatMap(([name, op]) => [
        ...(op.security?.some((s) => 'bearer' in s) ? [] : [`${name}: bearer security`]),
        ...['401', '403'].filter((status) => !isErrorResponse(op, status)).map((status) => `${name}: ${status}`),
      ]);
    expect(missing).toEqual([]);
  });

  it('documents 400 on every operation that takes a body or parameters', () => {
    const withInput = operations.filter(([, op]) => op.requestBody || op.parameters?.length);
    expect(withInput.length).toBeGreaterThan(0);
    expect(withInput.map(([name, op]) => [name, isErrorResponse(op, '400')]).filter(([, ok]) => !ok)).toEqual([]);
  });
});

function isErrorResponse(op: Operation, status: string): boolean {
  return op.responses[status]?.content?.['application/json']?.schema?.$ref === '#/components/schemas/ErrorResponseDto';
}
