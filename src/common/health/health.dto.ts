import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] }) status!: string;
}

const CHECKS = {
  type: 'object',
  additionalProperties: { type: 'object', additionalProperties: true },
  example: {
    database: { status: 'up' },
    migrations: { status: 'up', pending: 0 },
    mode: { status: 'up', mode: 'normal', readOnly: false },
  },
} as const;

/** @nestjs/terminus's answer: each check by name, with its status and what it found. */
export class ReadinessDto {
  @ApiProperty({ enum: ['ok'] }) status!: string;
  @ApiPropertyOptional({ ...CHECKS, description: 'The checks that are up' }) info?: Record<string, unknown>;
  @ApiPropertyOptional({ ...CHECKS, description: 'The checks that are down (empty when ready)' }) error?: Record<
    string,
    unknown
  >;
  @ApiProperty({ ...CHECKS, description: 'Every check' }) details!: Record<string, unknown>;
}
