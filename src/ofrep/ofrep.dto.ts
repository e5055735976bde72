import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, Matches } from 'class-validator';
import { Omittable } from '../common/validation/omittable.js';

export class OfrepEvaluationRequest {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'OpenFeature evaluation context; Phasegate flags do not target, so it is accepted and not used',
  })
  @Omittable()
  @IsObject()
  context?: Record<string, unknown>;
}

export class OfrepFlagKeyParam {
  @ApiProperty({ example: 'enable_production_dashboard' })
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'key must be 1 to 100 letters, digits, dots, dashes or underscores' })
  key!: string;
}

export class OfrepEvaluationSuccess {
  @ApiProperty() key!: string;
  @ApiProperty({ description: 'The effective value (stored value gated by the kill switch)' }) value!: boolean;
  @ApiProperty({
    enum: ['STATIC', 'DISABLED'],
    description: 'DISABLED when the environment kill switch forces the flag off',
  })
  reason!: string;
  @ApiProperty({ enum: ['on', 'off'] }) variant!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { phase: 10, stored: true, forcedOff: false } })
  metadata!: Record<string, boolean | number | string>;
  @ApiPropertyOptional({ description: 'Phasegate flags change at run time: providers should not cache' })
  cacheable?: boolean;
}

export class OfrepEvaluationFailure {
  @ApiProperty() key!: string;
  @ApiProperty({ enum: ['FLAG_NOT_FOUND', 'INVALID_CONTEXT', 'PARSE_ERROR', 'GENERAL'] }) errorCode!: string;
  @ApiPropertyOptional() errorDetails?: string;
}

export class OfrepBulkEvaluationSuccess {
  @ApiProperty({ type: [OfrepEvaluationSuccess] }) flags!: OfrepEvaluationSuccess[];
  @ApiProperty({ type: 'object', additionalProperties: true, example: { version: 'etag-source' } }) metadata!: Record<
    string,
    string
  >;
}
