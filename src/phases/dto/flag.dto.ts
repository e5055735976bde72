import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Omittable } from '../../common/validation/omittable.js';
import { DecimalInt, MAX_ID } from '../../common/validation/decimal.js';

export class SetFlagDto {
  @ApiProperty({ description: 'The new stored value' })
  @IsBoolean()
  enabled!: boolean;

  @ApiProperty({
    description: 'Why: kept in the audit trail',
    minLength: 3,
    maxLength: 500,
    example: 'pilot on line 2',
  })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class FlagKeyParam {
  @ApiProperty({ example: 'enable_assignment_runtime' })
  @Matches(/^[a-z0-9_]{1,100}$/, { message: 'key must be lower-case letters, digits and underscores' })
  key!: string;
}

export class FlagAuditQuery {
  @ApiPropertyOptional({ description: 'Only this flag' })
  @Omittable()
  @Matches(/^[a-z0-9_]{1,100}$/, { message: 'key must be lower-case letters, digits and underscores' })
  key?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;

  @ApiPropertyOptional({ description: 'Return entries older than this audit id (from the previous page)' })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  before?: number;
}

export class FlagViewDto {
  @ApiProperty() key!: string;
  @ApiProperty() phase!: number;
  @ApiProperty() description!: string;
  @ApiProperty({ description: 'A shadow flag evaluates the new path without applying it' }) shadow!: boolean;
  @ApiProperty({ description: 'Stored value' }) enabled!: boolean;
  @ApiProperty({ description: 'What the code sees: stored value gated by the kill switch' }) effective!: boolean;
  @ApiProperty({ description: 'FEATURE_FLAGS_FORCE_OFF applies to this flag' }) forcedOff!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Why effective differs from enabled' }) reason!:
    string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) updatedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String }) updatedBy!: string | null;
}

export class FlagAuditDto {
  @ApiProperty() id!: number;
  @ApiProperty() key!: string;
  @ApiProperty({ nullable: true, type: Boolean }) oldValue!: boolean | null;
  @ApiProperty() newValue!: boolean;
  @ApiProperty() actor!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ nullable: true, type: String }) requestId!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) changedAt!: Date;
}
