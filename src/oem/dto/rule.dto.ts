import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsEnum, IsInt, IsString, Length, Max, Min } from 'class-validator';
import { OemRuleAction, type OemScanRule } from '../entities/oem-scan-rule.entity.js';
import { MAX_PATTERN_LENGTH } from '../safe-pattern.js';
import { Omittable } from '../../common/validation/omittable.js';
import { DecimalInt } from '../../common/validation/decimal.js';

export const PATTERN_HELP =
  'RE2 syntax, matched against the whole barcode in linear time (no backreferences or lookaround). ' +
  'Name the ticket with exactly one of `(?P<ref>...)` (the order reference) or `(?P<job>...)` (the linked job code); ' +
  '`(?P<seq>\\d+)` names the step, otherwise the scan acts on the current step. A pattern that does not compile is a 400.';

export class CreateRuleDto {
  @ApiProperty({ example: 'ACME', description: "The customer whose tickets the rule's barcodes name" })
  @IsString()
  @Length(1, 64)
  customer!: string;
  @ApiProperty({ example: 'ST-WELD' }) @IsString() @Length(1, 50) stationCode!: string;
  @ApiProperty({
    example: '^OEM-ACME-(?P<ref>[A-Z0-9-]+)-S(?P<seq>\\d+)$',
    maxLength: MAX_PATTERN_LENGTH,
    description: PATTERN_HELP,
  })
  @IsString()
  @Length(1, MAX_PATTERN_LENGTH)
  pattern!: string;
  @ApiProperty({
    enum: OemRuleAction,
    description:
      'advance: pending -> active -> done, one state per scan; complete: straight to done; skip: pending -> skipped, no token moves',
  })
  @IsEnum(OemRuleAction)
  action!: OemRuleAction;
  @ApiPropertyOptional({ example: 10, default: 0, description: "Higher first among the station's rules" })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(-1000)
  @Max(1000)
  priority?: number;
  @ApiPropertyOptional({ default: true }) @Omittable() @IsBoolean() active?: boolean;
}

// null is refused like a wrong type, not skipped as absent (see Omittable)
export class UpdateRuleDto extends PartialType(CreateRuleDto, { skipNullProperties: false }) {}

export class RuleListQuery {
  @ApiPropertyOptional({ example: 'ST-WELD' }) @Omittable() @IsString() @Length(1, 50) stationCode?: string;
}

export class RuleDto {
  @ApiProperty() id!: number;
  @ApiProperty() customer!: string;
  @ApiProperty() stationCode!: string;
  @ApiProperty() pattern!: string;
  @ApiProperty({ enum: OemRuleAction }) action!: OemRuleAction;
  @ApiProperty() priority!: number;
  @ApiProperty() active!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static of(r: OemScanRule): RuleDto {
    const { id, customer, stationCode, pattern, action, priority, active, createdAt, updatedAt } = r;
    return { id, customer, stationCode, pattern, action, priority, active, createdAt, updatedAt };
  }
}
