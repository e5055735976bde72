import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsString, Length, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { Omittable } from '../../common/validation/omittable.js';
import { DecimalInt, MAX_ID } from '../../common/validation/decimal.js';

/** One plan entry: exactly one of operatorCode and teamCode, with its priority. */
export class PlanEntryInputDto {
  @ApiPropertyOptional({ example: 'OP-01' })
  @ValidateIf((o: PlanEntryInputDto) => o.teamCode === undefined)
  @IsString({ message: 'give exactly one of operatorCode and teamCode' })
  @Length(1, 50)
  operatorCode?: string;

  @ApiPropertyOptional({ example: 'TEAM-WELD' }) @Omittable() @IsString() @Length(1, 50) teamCode?: string;

  @ApiProperty({ example: 1, minimum: 0, maximum: 1000, description: 'Lower ranks first' })
  @IsInt()
  @Min(0)
  @Max(1000)
  priority!: number;
}

export class SetPlanDto {
  @ApiProperty({ type: [PlanEntryInputDto], description: 'Replaces the whole plan; an empty list clears it' })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => PlanEntryInputDto)
  entries!: PlanEntryInputDto[];
}

export class PlanEntryDto {
  @ApiProperty() id!: number;
  @ApiProperty() nodeId!: number;
  @ApiPropertyOptional({ description: 'Set on job plans' }) jobId?: number;
  @ApiProperty({ type: Number, nullable: true }) operatorId!: number | null;
  @ApiProperty({ type: Number, nullable: true }) teamId!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Null on entries written by the manual plan API' })
  priority!: number | null;
}

export class NodeIdParam {
  @ApiProperty({ example: 3 }) @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) nodeId!: number;
}

export class JobIdParam {
  @ApiProperty({ example: 1 }) @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) jobId!: number;
}

export class JobNodeParam {
  @ApiProperty({ example: 1 }) @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) jobId!: number;
  @ApiProperty({ example: 3 }) @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) nodeId!: number;
}
