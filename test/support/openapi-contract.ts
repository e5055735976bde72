import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under native ESM its default export is the module object
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** The parts of an OpenAPI 3 document that the check reads. */
export interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>
  >;
  components?: unknown;
}

/** One response as a client received it. */
export interface ReceivedResponse {
  method: string;
  /** path and query, as sent */
  url: string;
  status: number;
  contentType: string | undefined;
  /** the raw body text */
  text: string;
}

interface Route {
  template: string;
  pattern: RegExp;
  /** literal paths win over templated ones: `/jobs/search` before `/jobs/{id}` */
  params: number;
}

const DOC_ID = 'openapi';
const MAX_SHOWN = 600;

/**
 * Checks responses against an OpenAPI 3 document with Ajv (the document's own schemas, its
 * `$ref`s resolved inside it): the status must be listed for the operation, and a JSON body
 * must match that status's schema. A path the document does not describe (the docs, the
 * console's files, /metrics) is checked only when it is an error, against the documented
 * error body, since every error everywhere must be that JSON.
 */
export class ContractChecker {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDocument) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema(checkable(structuredClone(doc)) as object, DOC_ID);
    this.routes = Object.keys(doc.paths)
      .map((template) => ({
        template,
        params: (template.match(/\{/g) ?? []).length,
        pattern: new RegExp(
          `^${template
            .split(/\{[^}]+\}/)
            .map(escapeRegExp)
            .join('[^/]+')}$`,
        ),
      }))
      .sort((a, b) => a.params - b.params);
  }

  /** A description of everything wrong with the response, or undefined when it is as documented. */
  problem(res: ReceivedResponse): string | undefined {
    const method = res.method.toLowerCase();
    const path = res.url.replace(/[?#].*$/, '');
    const request = `${res.method.toUpperCase()} ${res.url}`;
    const route = this.routes.find((r) => r.pattern.test(path) && this.doc.paths[r.template][method]);
    if (!route) {
      if (res.status < 400) return undefined;
      return this.bodyProblem(
        `${request} (no documented operation) answered ${res.status}`,
        res,
        '#/components/schemas/ErrorResponseDto',
      );
    }
    const operation = `${method.toUpperCase()} ${route.template}`;
    const responses = this.doc.paths[route.template][method].responses ?? {};
    const status = String(res.status);
    const key =
      status in responses
        ? status
        : `${status[0]}XX` in responses
          ? `${status[0]}XX`
          : 'default' in responses
            ? 'default'
            : undefined;
    if (!key) {
      return (
        `${operation} answered ${res.status}, which the document does not list (it lists ${Object.keys(responses).join(', ') || 'nothing'})\n` +
        `  request: ${request}\n  body: ${shorten(res.text)}\n` +
        `  fix: document it on the handler (@ApiResponse), or in src/common/http/api-docs.ts if any operation can answer it`
      );
    }
    const content = responses[key].content;
    if (!content) {
      return res.text === '' || res.status === 204
        ? undefined
        : `${operation} answered ${res.status} with a body, where the document has none\n  request: ${request}\n  body: ${shorten(res.text)}`;
    }
    const mediaType = (res.contentType ?? '').split(';')[0].trim();
    if (!(mediaType in content)) {
      return `${operation} answered ${res.status} as ${mediaType || 'no content type'}, where the document has ${Object.keys(content).join(', ')}\n  request: ${request}\n  body: ${shorten(res.text)}`;
    }
    if (!mediaType.endsWith('json') || content[mediaType].schema === undefined) return undefined;
    const pointer = `#/paths/${pointerToken(route.template)}/${method}/responses/${pointerToken(key)}/content/${pointerToken(mediaType)}/schema`;
    return this.bodyProblem(`${operation} answered ${res.status}`, res, pointer, request);
  }

  private bodyProblem(what: string, res: ReceivedResponse, pointer: string, request?: string): string | undefined {
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      return `${what} with a body that is not JSON (${res.contentType ?? 'no content type'})${request ? `\n  request: ${request}` : ''}\n  body: ${shorten(res.text)}`;
    }
    const validate = this.validatorFor(pointer);
    if (validate(body)) return undefined;
    return (
      `${what} with a body that does not match its documented schema (${decodeURIComponent(pointer).replace(/~1/g, '/')})${request ? `\n  request: ${request}` : ''}\n` +
      describeErrors(validate.errors ?? []) +
      `\n  body: ${shorten(res.text)}`
    );
  }

  private validatorFor(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOC_ID}${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }
}

/**
 * The document as the check reads it, in two ways stricter or plainer than Ajv would alone:
 * - OpenAPI lets an object carry properties its schema does not name, and a generated client
 *   drops them. The check refuses them (an object schema without `additionalProperties` is
 *   closed), so a field the code sends and the document forgets fails a test. Members of an
 *   `allOf` stay open: each names only part of the object.
 * - `{ nullable: true, allOf: [{ $ref }] }`, which @nestjs/swagger writes for a nullable
 *   object property, means "that object or null" to client generators; Ajv's `nullable` only
 *   widens a `type`, so it is spelled out as an `anyOf` with null.
 */
function checkable(node: unknown, inAllOf = false): unknown {
  if (Array.isArray(node)) return node.map((item) => checkable(item, inAllOf));
  if (!node || typeof node !== 'object') return node;
  const schema = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(schema))
    schema[key] = checkable(value, key === 'allOf' && Array.isArray(value) && value.length > 1);
  if (!inAllOf && schema.type === 'object' && schema.properties && !('additionalProperties' in schema))
    schema.additionalProperties = false;
  if (schema.nullable === true && Array.isArray(schema.allOf)) {
    const { nullable: _nullable, type: _type, allOf, ...rest } = schema;
    return { ...rest, anyOf: [{ type: 'null' }, { allOf }] };
  }
  return schema;
}

/** Fails with the problem, when there is one. */
export function assertDocumented(checker: ContractChecker, res: ReceivedResponse): void {
  const problem = checker.problem(res);
  if (problem) throw new Error(`Response differs from the OpenAPI document (/docs-json):\n${problem}`);
}

const checkers = new Map<string, Promise<ContractChecker>>();

/**
 * `fetch`, checking the response against the document that the same server publishes at
 * /docs-json (read once per server). For suites that talk to real servers over HTTP, and for
 * the typed client (openapi-fetch hands it a Request).
 */
export async function checkedFetch(input: string | Request, init: RequestInit = {}): Promise<Response> {
  const { origin, pathname, search } = new URL(typeof input === 'string' ? input : input.url);
  const method = typeof input === 'string' ? (init.method ?? 'GET') : input.method;
  let checker = checkers.get(origin);
  if (!checker) {
    checker = fetch(`${origin}/docs-json`).then(async (r) => new ContractChecker((await r.json()) as OpenApiDocument));
    checkers.set(origin, checker);
    // a server still starting is asked again next time
    checker.catch(() => checkers.delete(origin));
  }
  const res = await fetch(input, init);
  const text = await res.text();
  assertDocumented(await checker, {
    method,
    url: pathname + search,
    status: res.status,
    contentType: res.headers.get('content-type') ?? undefined,
    text,
  });
  return new Response(res.status === 204 || res.status === 304 ? null : text, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

function describeErrors(errors: ErrorObject[]): string {
  return errors
    .slice(0, 8)
    .map(
      (e) =>
        `  at ${e.instancePath || '(body)'}: ${e.message}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''} [schema ${e.schemaPath}]`,
    )
    .join('\n');
}

/** A JSON pointer token, URI-encoded for use in a `$ref` (paths hold `{id}`). */
function pointerToken(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function shorten(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}... (${text.length} characters)` : text || '(empty)';
}
