import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
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
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
