import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { DecimalInt } from '../../../common/validation/decimal.js';
import { Omittable } from '../../../common/validation/omittable.js';
import { FlagViewDto } from '../../dto/flag.dto.js';
import { RollbackSummaryDto } from '../../dto/admin.dto.js';

const DURATION = /^\d{1,6}[mhd]$/;
const DURATION_MESSAGE = (field: string) => `${field} must be a duration like 30m, 24h or 7d`;
const ADVICE = ['emergency', 'planned_rollback', 'pause', 'fix_forward', 'no_action'];
const RULES = [
  'phase-off',
  'blocking-failure',
  'severe-deviation',
  'fix-forward',
  'wrong-results',
  'more-errors',
  'repeated-fallbacks',
  'slow-new-path',
  'shadow-disagreement',
  'too-little-data',
  'healthy',
];

export class AdviceQuery {
  @ApiPropertyOptional({ description: 'Only this phase; every phase when absent', example: 8 })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  phase?: number;

  @ApiPropertyOptional({ description: 'The window of telemetry read, up to 30d', default: '24h', example: '24h' })
  @Omittable()
  @Matches(DURATION, { message: DURATION_MESSAGE('window') })
  window?: string;

  @ApiPropertyOptional({
    description: "An operator's estimate of a fix (30m, 2h): within the hour, a non-emergency issue goes forward",
    example: '30m',
  })
  @Omittable()
  @Matches(DURATION, { message: DURATION_MESSAGE('fixEta') })
  fixEta?: string;
}

export class AdviceWindowDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time', description: 'Exclusive: the end of the current minute' }) to!: string;
  @ApiProperty() minutes!: number;
}

class PathCountsDto {
  @ApiProperty() calls!: number;
  @ApiProperty({ description: 'Calls whose error reached the caller' }) errors!: number;
  @ApiProperty() latencyMsSum!: number;
  @ApiProperty({ type: Number, nullable: true }) p95Ms!: number | null;
}

class ComparisonsDto {
  @ApiProperty() compared!: number;
  @ApiProperty() disagreed!: number;
}

class EvidenceDto {
  @ApiProperty() phase!: number;
  @ApiProperty({ type: AdviceWindowDto }) window!: AdviceWindowDto;
  @ApiProperty({ description: 'An acting (not shadow) flag is on for the code' }) acting!: boolean;
  @ApiProperty({ description: 'A shadow flag is on for the code' }) shadowing!: boolean;
  @ApiProperty({ type: PathCountsDto, description: 'Its calls that fell back included' }) newPath!: PathCountsDto;
  @ApiProperty({ type: PathCountsDto }) legacy!: PathCountsDto;
  @ApiProperty({ description: 'In the window: the new path failed or declined, the legacy path answered' })
  fallbacks!: number;
  @ApiProperty({ description: "The same over the factory's 24 h ending with the window" })
  fallbacksInRuleWindow!: number;
  @ApiProperty({ type: ComparisonsDto, nullable: true, description: 'Shadow comparisons; null when none' })
  comparisons!: ComparisonsDto | null;
  @ApiProperty({ type: Number, nullable: true }) fixEtaMinutes!: number | null;
}

class GuardrailDto {
  @ApiProperty({ example: 'error rate' }) guardrail!: string;
  @ApiProperty({ enum: ['healthy', 'insufficient', 'pause', 'rollback'] }) verdict!: string;
  @ApiProperty({ description: 'The measured values and the threshold, in words' }) detail!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) evidence!: Record<string, number>;
}

class PhaseStateDto {
  @ApiProperty({ type: [FlagViewDto] }) flags!: FlagViewDto[];
  @ApiProperty({ enum: ['applied', 'reverted', 'partial'] }) schema!: string;
  @ApiProperty({ type: RollbackSummaryDto, nullable: true }) lastRollback!: RollbackSummaryDto | null;
}

class PhaseAdviceDto {
  @ApiProperty() phase!: number;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: ADVICE }) advice!: string;
  @ApiProperty({ enum: RULES, description: 'The rule of the decision tree that decided' }) rule!: string;
  @ApiProperty({ description: "The rule's reason with the values that decided" }) why!: string;
  @ApiProperty({ type: [GuardrailDto] }) guardrails!: GuardrailDto[];
  @ApiProperty({ type: EvidenceDto }) evidence!: EvidenceDto;
  @ApiProperty({ type: PhaseStateDto }) state!: PhaseStateDto;
}

class AdviceThresholdsDto {
  @ApiProperty({ description: 'More fallbacks than this in the fallback window ask for a rollback' })
  maxFallbacks!: number;
  @ApiProperty() fallbackWindowMinutes!: number;
  @ApiProperty({ description: 'A deviation (share) above this: planned rollback' }) pauseDeviation!: number;
  @ApiProperty({ description: 'A deviation (share) above this: emergency' }) rollbackDeviation!: number;
  @ApiProperty({ description: 'A rate deviation is relative to max(legacy rate, this)' }) baselineRateFloor!: number;
  @ApiProperty({ description: 'Calls each side a rate needs to judge' }) minSample!: number;
  @ApiProperty() latencyPauseRatio!: number;
  @ApiProperty() latencyRollbackRatio!: number;
  @ApiProperty() latencyMinSample!: number;
  @ApiProperty() maxMeanMs!: number;
  @ApiProperty() shadowMaxDisagreementRate!: number;
  @ApiProperty() fixForwardMinutes!: number;
}

export class AdviceReportDto {
  @ApiProperty({ type: AdviceWindowDto }) window!: AdviceWindowDto;
  @ApiProperty({ type: Number, nullable: true }) fixEtaMinutes!: number | null;
  @ApiProperty({ enum: ADVICE, description: 'The most severe advice of the phases shown' }) advice!: string;
  @ApiProperty({ type: [PhaseAdviceDto] }) phases!: PhaseAdviceDto[];
  @ApiProperty({ type: AdviceThresholdsDto }) thresholds!: AdviceThresholdsDto;
}
