import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, Matches } from 'class-validator';
import { Omittable } from '../common/validation/omittable.js';

export class OfrepEvaluationRequest {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      "OpenFeature evaluation context: targetingKey (the bucketing key) and the attributes the flags' rules match: station, node, graph, product, customer, job, token",
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
    enum: ['STATIC', 'TARGETING_MATCH', 'SPLIT', 'DEFAULT', 'DISABLED'],
    description:
      'DISABLED: the kill switch forces it off; STATIC: no rules apply (stored value); TARGETING_MATCH: a rule scope matched; SPLIT: a percentage rule bucketed the targeting key; DEFAULT: the flag has rules and none matched (off)',
  })
  reason!: string;
  @ApiProperty({ enum: ['on', 'off'] }) variant!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { phase: 10, stored: true, forcedOff: false, rules: 0 },
  })
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
