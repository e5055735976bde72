import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Omittable } from '../../../common/validation/omittable.js';
import { DecimalInt, MAX_ID } from '../../../common/validation/decimal.js';

export class StartRollbackDto {
  @ApiPropertyOptional({ description: 'Roll back this one phase', example: 10 })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(99)
  phase?: number;

  @ApiPropertyOptional({ description: 'Roll back every phase from the highest down to this one, in order', example: 8 })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(99)
  toPhase?: number;

  @ApiPropertyOptional({ description: 'Every phase flag off and every phase job stopped at once; no schema change' })
  @Omittable()
  @IsBoolean()
  emergency?: boolean;

  @ApiPropertyOptional({ description: "Also revert the phases' schemas (stack order, through the migration guard)" })
  @Omittable()
  @IsBoolean()
  revertSchema?: boolean;

  @ApiPropertyOptional({ description: 'Back up the owned tables and columns first (needed when they hold data)' })
  @Omittable()
  @IsBoolean()
  backup?: boolean;

  @ApiPropertyOptional({
    description: 'Take a full-database backup before the first step (refused, nothing changed, if it fails)',
  })
  @Omittable()
  @IsBoolean()
  fullBackup?: boolean;

  @ApiPropertyOptional({ description: 'Answer with the plan; change nothing' })
  @Omittable()
  @IsBoolean()
  dryRun?: boolean;

  @ApiProperty({ description: 'Why: kept in the rollback log and the flag audit', minLength: 3, maxLength: 1000 })
  @IsString()
  @MinLength(3)
  @MaxLength(1000)
  reason!: string;
}

export class RollbackIdParam {
  @ApiProperty({ example: 1 })
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  id!: number;
}

export class ResolutionDto {
  @ApiProperty({ description: 'How the incident was resolved (editable later)', maxLength: 5000 })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  resolution!: string;
}
