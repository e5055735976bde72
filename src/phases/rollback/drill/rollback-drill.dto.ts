import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { Omittable } from '../../../common/validation/omittable.js';
import { DRILL_STEP_NAMES } from './rollback-drill.entity.js';

export class StartDrillDto {
  @ApiPropertyOptional({
    description: 'Rehearse the rollback of every phase from the highest down to this one (default: the lowest phase)',
    example: 7,
  })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(99)
  toPhase?: number;
}

class DrillStepDto {
  @ApiProperty({ type: Number, nullable: true, description: 'null: the drill or the rollback as a whole' }) phase!:
    number | null;
  @ApiProperty({ enum: DRILL_STEP_NAMES }) name!: string;
  @ApiProperty({ enum: ['done', 'failed', 'skipped'] }) status!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: string | null;
  @ApiProperty() durationMs!: number;
  @ApiProperty({ type: String, nullable: true }) detail!: string | null;
}

class DrillChecksumDto {
  @ApiProperty() phase!: number;
  @ApiProperty() table!: string;
  @ApiPropertyOptional({ description: 'Set when the phase owns a column of another table' }) column?: string;
  @ApiProperty({ description: 'Rows on the copy before the rollback' }) rows!: number;
  @ApiProperty({ description: 'sha256 of those rows in key order' }) expected!: string;
  @ApiProperty({ type: String, nullable: true, description: 'sha256 after the restore; null: missing' }) actual!:
    string | null;
  @ApiProperty({ type: Number, nullable: true }) actualRows!: number | null;
  @ApiProperty() ok!: boolean;
}

class PhaseDurationDto {
  @ApiProperty() phase!: number;
  @ApiProperty({ description: "The phase's rollback steps, its roll forward and its restore, together" })
  durationMs!: number;
}

export class DrillReportDto {
  @ApiProperty() id!: number;
  @ApiProperty() toPhase!: number;
  @ApiProperty({ type: [Number], description: 'In the order they were rolled back' }) phases!: number[];
  @ApiProperty({ enum: ['running', 'passed', 'failed'] }) status!: string;
  @ApiProperty() actor!: string;
  @ApiProperty({ description: 'The scratch database that held the copy (dropped when the drill ended)' }) copy!: string;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: Date | null;
  @ApiProperty({ type: Number, nullable: true }) durationMs!: number | null;
  @ApiProperty({ type: [DrillStepDto] }) steps!: DrillStepDto[];
  @ApiProperty({ type: [PhaseDurationDto] }) phaseDurations!: PhaseDurationDto[];
  @ApiProperty({ type: [DrillChecksumDto] }) checksums!: DrillChecksumDto[];
  @ApiProperty({ type: String, nullable: true, description: 'What stopped the drill or failed in it' }) error!:
    string | null;
}
