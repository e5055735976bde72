import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Omittable } from '../../common/validation/omittable.js';
import { DecimalInt, MAX_ID } from '../../common/validation/decimal.js';
import { CONTEXT_ATTRIBUTES, MAX_RULES, type ContextAttribute } from '../flags/flag-rules.js';

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
  @ApiProperty({ type: () => [FlagRuleDto], description: 'Targeting rules; none: on or off for all work' })
  rules!: FlagRuleDto[];
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

export class FlagScopeDto {
  @ApiPropertyOptional({ type: [String], example: ['ST-WELD'] }) stations?: string[];
  @ApiPropertyOptional({ type: [String], description: 'Node codes' }) nodes?: string[];
  @ApiPropertyOptional({ type: [String], description: 'Production graph ids (a production line)' }) graphs?: string[];
  @ApiPropertyOptional({ type: [String], description: 'Product codes' }) products?: string[];
  @ApiPropertyOptional({ type: [String], description: 'OEM customers' }) customers?: string[];
  @ApiPropertyOptional({ type: [String], description: 'Job codes' }) jobs?: string[];
}

export class FlagRuleDto {
  @ApiPropertyOptional({
    type: FlagScopeDto,
    description: 'Any listed value of a dimension matches; every dimension given must match',
  })
  scope?: FlagScopeDto;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 100,
    example: 10,
    description: 'Share of the matching work on the new path, sticky by the bucketing key',
  })
  percentage?: number;

  @ApiPropertyOptional({
    enum: CONTEXT_ATTRIBUTES,
    description: "The context attribute to bucket by; the phase's targetingKey unless named",
  })
  bucketBy?: ContextAttribute;
}

export class SetFlagRulesDto {
  @ApiProperty({
    type: [FlagRuleDto],
    maxItems: MAX_RULES,
    description: 'The first rule whose scope matches decides; an empty list clears the rules',
  })
  @IsArray()
  rules!: FlagRuleDto[];

  @ApiProperty({ description: 'Why: kept in the rules audit', minLength: 3, maxLength: 500 })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class FlagRulesAuditDto {
  @ApiProperty() id!: number;
  @ApiProperty() flagKey!: string;
  @ApiProperty({ type: [FlagRuleDto], nullable: true, description: 'null: the flag had no rules' })
  before!: FlagRuleDto[] | null;
  @ApiProperty({ type: [FlagRuleDto], nullable: true, description: 'null: the rules were cleared' })
  after!: FlagRuleDto[] | null;
  @ApiProperty() actor!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ nullable: true, type: String }) requestId!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) changedAt!: Date;
}
