import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { ErrorResponseDto } from '../common/errors/error-response.dto.js';
import {
  OfrepBulkEvaluationSuccess,
  OfrepEvaluationFailure,
  OfrepEvaluationRequest,
  OfrepEvaluationSuccess,
  OfrepFlagKeyParam,
} from './ofrep.dto.js';
import { OfrepService } from './ofrep.service.js';

/**
 * OFREP core endpoints, so factory apps read flags with the standard OpenFeature client
 * (`@openfeature/ofrep-provider`) instead of a custom one. Authenticated like every API route.
 */
@ApiTags('openfeature (OFREP)')
@Controller('ofrep/v1/evaluate/flags')
@Roles(Role.Viewer, Role.Station)
export class OfrepController {
  constructor(private readonly ofrep: OfrepService) {}

  @ApiOperation({ summary: 'Evaluate one flag (OFREP)' })
  @Post(':key')
  @HttpCode(200)
  @ApiOkResponse({ type: OfrepEvaluationSuccess })
  @ApiNotFoundResponse({ type: OfrepEvaluationFailure, description: 'FLAG_NOT_FOUND' })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  evaluate(
    @Param() p: OfrepFlagKeyParam,
    @Body() request: OfrepEvaluationRequest,
    @Res({ passthrough: true }) res: Response,
  ): OfrepEvaluationSuccess | OfrepEvaluationFailure {
    const result = this.ofrep.evaluate(p.key, request.context);
    if (result) return result;
    res.status(404);
    return { key: p.key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `No flag named ${p.key}` };
  }

  @ApiOperation({ summary: 'Evaluate every flag (OFREP bulk)' })
  @Post()
  @HttpCode(200)
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: 'ETag of a previous answer: 304 when nothing changed',
  })
  @ApiOkResponse({ type: OfrepBulkEvaluationSuccess })
  @ApiNotModifiedResponse({ description: 'No flag changed since the given ETag' })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  evaluateAll(
    @Body() request: OfrepEvaluationRequest,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): OfrepBulkEvaluationSuccess | undefined {
    const { body, etag } = this.ofrep.evaluateAll(request.context);
    res.setHeader('ETag', etag);
    if (
      ifNoneMatch &&
      ifNoneMatch
        .split(',')
        .map((t) => t.trim())
        .includes(etag)
    ) {
      res.status(304);
      return undefined;
    }
    return body;
  }
}
