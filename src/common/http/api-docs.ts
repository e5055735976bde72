import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorResponseDto } from '../errors/error-response.dto.js';

/** OpenAPI 3 at /docs-json, Swagger UI at /docs; both anonymous. */
export function setupApiDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Phasegate API')
    .setDescription(
      'Production flow with reversible, flag-gated integration phases. Authenticate with ' +
        '`Authorization: Bearer <API key>` (create one with `npm run cli -- keys create`). ' +
        'Every error body is an ErrorResponse with a code and the request id.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = documentDatabaseUnavailable(documentValidationErrors(SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto] })));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}

/**
 * The global ValidationPipe can refuse the input of any operation that takes a body or
 * parameters, so the 400 is documented here once rather than on every handler.
 */
function documentValidationErrors(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation || operation.responses['400']) continue;
      if (!operation.requestBody && !operation.parameters?.length) continue;
      operation.responses['400'] = {
        description: 'Invalid request body or parameters: errors names each field',
        content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } },
      };
    }
  }
  return document;
}

const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE: the database, or the Galera node this replica uses, is down, unreachable or not synced; retry, or use another replica';

/**
 * Every operation that reads the database (an authenticated one looks its key up on each
 * request) can meet it down or, on Galera, not yet synced: that 503 is documented here once.
 * An operation that documents a 503 of its own gets this cause added to its description.
 */
function documentDatabaseUnavailable(document: OpenAPIObject): OpenAPIObject {
  const operations = Object.values(document.paths).flatMap((item) => (['get', 'put', 'post', 'delete', 'patch'] as const).flatMap((method) => item[method] ?? []));
  for (const operation of operations) {
    const own = operation.responses['503'] as { description: string } | undefined;
    if (own) own.description = `${own.description}; or ${DATABASE_UNAVAILABLE}`;
    else if (operation.security?.length) {
      operation.responses['503'] = { description: DATABASE_UNAVAILABLE, content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } } };
    }
  }
  return document;
}

