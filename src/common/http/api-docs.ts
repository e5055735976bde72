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
  const document = documentValidationErrors(SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto] }));
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
