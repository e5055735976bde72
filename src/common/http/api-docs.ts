import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorResponseDto } from '../errors/error-response.dto.js';

type Operation = OpenAPIObject['paths'][string]['get'] & object;

/**
 * A status that any operation of a kind can answer, whatever its handler says: documented
 * here once rather than on every handler. An operation that documents the status itself
 * keeps its own description.
 */
interface GlobalResponse {
  status: string;
  description: string;
  appliesTo: (method: string, operation: Operation) => boolean;
  /** A further cause of a status the operation (or an earlier entry) already documents: added to its description. */
  alsoWhenDocumented?: boolean;
}

const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);

export const GLOBAL_RESPONSES: GlobalResponse[] = [
  {
    // the global ValidationPipe refuses bad input of any operation that takes some, and the
    // body parser a malformed JSON body sent with any write
    status: '400',
    description: 'Invalid request body or parameters (errors names each field), or a body that is not JSON',
    appliesTo: (method, operation) =>
      Boolean(operation.requestBody || operation.parameters?.length) || WRITE_METHODS.has(method),
  },
  {
    // the body parser reads a body sent with any write, whether the operation takes one or not
    status: '413',
    description: 'PAYLOAD_TOO_LARGE: the body is larger than BODY_LIMIT',
    appliesTo: (method, operation) => Boolean(operation.requestBody) || WRITE_METHODS.has(method),
  },
  {
    // ReadOnlyGuard refuses every method but GET, HEAD and OPTIONS (OFREP's POSTs included)
    status: '503',
    description: 'READ_ONLY: APP_MODE=readonly, the emergency stop, refuses writes',
    appliesTo: (method) => WRITE_METHODS.has(method),
  },
  {
    // an authenticated operation looks its key up on every request, so it can meet the database
    // down or, on Galera, its node not yet synced
    status: '503',
    description:
      'DATABASE_UNAVAILABLE: the database, or the Galera node this replica uses, is down, unreachable or not synced; retry, or use another replica',
    appliesTo: (_method, operation) => Boolean(operation.security?.length),
    alsoWhenDocumented: true,
  },
  {
    // any write can lose a lock conflict (on Galera: certification at commit) on every retry of
    // the transaction helper; the exceptions filter answers it 409, never 500
    status: '409',
    description: 'CONCURRENT_UPDATE: a concurrent change won every retry of this write; read again and retry',
    appliesTo: (method) => WRITE_METHODS.has(method),
    alsoWhenDocumented: true,
  },
  {
    // the catch-all filter: the request id and nothing else, the stack goes to the log
    status: '500',
    description: 'INTERNAL: an unexpected error; the body carries the request id to find it in the log',
    appliesTo: () => true,
  },
];

/** `GraphsController.get` -> `graphsGet`: what a client generator turns into a method name. */
export function operationId(controllerKey: string, methodKey: string): string {
  const resource = controllerKey.replace(/Controller$/, '');
  return `${resource[0].toLowerCase()}${resource.slice(1)}${methodKey[0].toUpperCase()}${methodKey.slice(1)}`;
}

/** The OpenAPI 3 document of the application. */
export function apiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Phasegate API')
    .setDescription(
      'Production flow with reversible, flag-gated integration phases. Authenticate with ' +
        '`Authorization: Bearer <API key>` (create one with `npm run cli -- keys create`). ' +
        'Every error body is an ErrorResponse with a code and the request id.',
    )
    .setVersion('1')
    .addServer('/', 'The server that serves this document')
    .setLicense('UNLICENSED', 'https://en.wikipedia.org/wiki/Proprietary_software')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorResponseDto],
    operationIdFactory: operationId,
  });
  return declareTags(documentGlobalResponses(openErrorDetails(document)));
}

/** OpenAPI 3 at /docs-json, Swagger UI at /docs; both anonymous. */
export function setupApiDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, apiDocument(app), { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}

function documentGlobalResponses(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      for (const global of GLOBAL_RESPONSES) {
        if (!global.appliesTo(method, operation)) continue;
        const documented = operation.responses[global.status] as { description: string } | undefined;
        if (documented) {
          if (global.alsoWhenDocumented) documented.description = `${documented.description}; or ${global.description}`;
          continue;
        }
        operation.responses[global.status] = {
          description: global.description,
          content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } },
        };
      }
    }
  }
  return document;
}

/** Some codes carry details beside the common fields (ROLLBACK_IN_PROGRESS its `holder`, ...). */
function openErrorDetails(document: OpenAPIObject): OpenAPIObject {
  const schema = document.components?.schemas?.[ErrorResponseDto.name];
  if (schema && !('$ref' in schema)) {
    schema.additionalProperties = true;
    schema.description =
      'The body of every error response. Some codes add details of their own (a conflict its resource, a refused rollback its refusals).';
  }
  return document;
}

/** Every tag an operation uses is declared once at the top, as generators and linters expect. */
function declareTags(document: OpenAPIObject): OpenAPIObject {
  const used = new Set(
    Object.values(document.paths).flatMap((item) => Object.values(item).flatMap((op) => (op as Operation).tags ?? [])),
  );
  const declared = new Set((document.tags ?? []).map((t) => t.name));
  document.tags = [
    ...(document.tags ?? []),
    ...[...used]
      .filter((name) => !declared.has(name))
      .sort()
      .map((name) => ({ name })),
  ];
  return document;
}
