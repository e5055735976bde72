import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { DecimalInt, MAX_ID } from '../../../common/validation/decimal.js';
import { Omittable } from '../../../common/validation/omittable.js';
import { ROLLOUT_STATUSES } from '../rollout-plan.entity.js';

export class CreateRolloutDto {
  @ApiProperty({ description: 'The phase to roll out', example: 8 })
  @IsInt()
  @Min(1)
  @Max(99)
  phase!: number;

  @ApiProperty({
    description:
      'Comma-separated stages: shadow, <scope>:<code>[+<code>...] (stations, nodes, graphs, products, customers, jobs), <n>%, 100%; each may end in @<n>m|h|d, its own minimum duration',
    example: 'shadow,station:ST-WELD,10%,50%,100%',
    maxLength: 2000,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  stages!: string;

  @ApiPropertyOptional({
    description: "Each stage's minimum duration (default 24h; a shadow stage's: 7d)",
    example: '24h',
  })
  @Omittable()
  @Matches(/^\d{1,6}[mhd]$/, { message: 'minDuration must be <n>m, <n>h or <n>d' })
  minDuration?: string;

  @ApiPropertyOptional({ description: 'New-path calls (shadow: compared calls) each stage must see', example: 500 })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  minSample?: number;

  @ApiPropertyOptional({ description: 'Wait for a person to approve each healthy stage before the next' })
  @Omittable()
  @IsBoolean()
  approval?: boolean;

  @ApiProperty({ description: 'Why: kept with the plan, its events and the flag audit', minLength: 3, maxLength: 500 })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class RolloutActionDto {
  @ApiProperty({ description: 'Why: kept in the plan events and the flag audit', minLength: 3, maxLength: 500 })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

export class AdvanceRolloutDto extends RolloutActionDto {
  @ApiPropertyOptional({
    description: 'Advance past a closed shadow gate or a breached guardrail; audited as a forced advance',
  })
  @Omittable()
  @IsBoolean()
  force?: boolean;
}

export class RolloutIdParam {
  @ApiProperty({ example: 1 })
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  id!: number;
}

export class RolloutListQuery {
  @ApiPropertyOptional({ description: 'Only plans of this phase' })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(99)
  phase?: number;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;
}

export class RolloutStageDto {
  @ApiProperty({ enum: ['shadow', 'scope', 'percentage', 'full'] }) kind!: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    description: 'scope stage: codes by dimension',
  })
  scope?: Record<string, string[]>;
  @ApiPropertyOptional({ description: 'percentage stage: share of the work on the new path' }) percentage?: number;
  @ApiProperty() minDurationMinutes!: number;
  @ApiProperty() minSample!: number;
}

export class RolloutPlanDto {
  @ApiProperty() id!: number;
  @ApiProperty() phase!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'The phase while the plan is live, else null' })
  activePhase!: number | null;
  @ApiProperty({ type: [RolloutStageDto] }) stages!: RolloutStageDto[];
  @ApiProperty({ description: 'Index into stages' }) currentStage!: number;
  @ApiProperty({ type: String, format: 'date-time' }) stageStartedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) previousStageStartedAt!: Date | null;
  @ApiProperty({ enum: ROLLOUT_STATUSES }) status!: string;
  @ApiProperty() requiresApproval!: boolean;
  @ApiProperty() createdBy!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
  @ApiProperty({ description: 'Bumped by every change' }) version!: number;
}

export class GuardrailResultDto {
  @ApiProperty({ example: 'error rate' }) guardrail!: string;
  @ApiProperty({ enum: ['healthy', 'insufficient', 'pause', 'rollback'] }) verdict!: string;
  @ApiProperty({ description: 'The measured values and the threshold' }) detail!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) evidence!: Record<string, number>;
}

export class StageDecisionDto {
  @ApiProperty({ enum: ['hold', 'advance', 'await-approval', 'complete', 'pause', 'rollback'] }) action!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: [GuardrailResultDto] }) results!: GuardrailResultDto[];
}

export class RolloutEventDto {
  @ApiProperty() id!: number;
  @ApiProperty() planId!: number;
  @ApiProperty() phase!: number;
  @ApiProperty({ description: 'The stage (index) the plan was at' }) stage!: number;
  @ApiProperty({
    enum: ['plan', 'advance', 'await-approval', 'approve', 'pause', 'resume', 'abort', 'rollback', 'complete', 'force'],
  })
  action!: string;
  @ApiProperty() actor!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'What it was decided on: the telemetry figures and guardrail results',
  })
  evidence!: unknown;
  @ApiProperty({ type: String, format: 'date-time' }) at!: Date;
}

export class RolloutViewDto {
  @ApiProperty({ type: RolloutPlanDto }) plan!: RolloutPlanDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: "A live plan's current stage figures from the path telemetry; null once it ended",
  })
  evidence!: unknown;
  @ApiProperty({ type: StageDecisionDto, nullable: true, description: 'What the guard would decide now (live plans)' })
  decision!: StageDecisionDto | null;
  @ApiProperty({ type: [RolloutEventDto], description: 'The audited events, oldest first' }) events!: RolloutEventDto[];
}
