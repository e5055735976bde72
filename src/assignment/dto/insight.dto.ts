import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsInt, IsString, Length, Max, Min } from 'class-validator';
import { AssignmentMethod, type AssignmentLog, type StoredCandidate } from '../entities/assignment-log.entity.js';
import type { RankedCandidate } from '../ranking.js';
import { COMPARE_PAGE_LIMIT } from '../assignment-comparison.service.js';
import { Omittable } from '../../common/validation/omittable.js';
import { IsTimestamp } from '../../common/validation/timestamp.js';
import { DecimalInt, MAX_ID } from '../../common/validation/decimal.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(Math.floor(ms)).toISOString());

export class ExclusionDto {
  @ApiProperty({
    enum: ['inactive', 'outside_availability_window', 'on_leave', 'team_unavailable', 'not_in_directory'],
  })
  reason!: string;
  @ApiPropertyOptional({ example: 'leave request 3' }) detail?: string;
}

/** A candidate with its score (tier, priority, workload, last assignment) and why it was excluded. */
export class CandidateDto {
  @ApiProperty() operatorId!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'The team through which the operator is a candidate' })
  teamId!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '1 = chosen; null when excluded' }) rank!: number | null;
  @ApiProperty({ enum: ['job', 'node'], description: "Whose plan names them: the job's plan ranks before the node's" })
  tier!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Plan priority, lower first' }) priority!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Tokens waiting or in progress assigned to them; read only for those who can win (eligible, best priority), null for the others',
  })
  workload!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Their latest automatic assignment' }) lastAssignedAt!:
    string | null;
  @ApiProperty({ type: [ExclusionDto] }) exclusions!: ExclusionDto[];

  static of(c: RankedCandidate): CandidateDto {
    const { operatorId, teamId, rank, tier, priority, exclusions } = c;
    return {
      operatorId,
      teamId,
      rank,
      tier,
      priority,
      workload: c.workload,
      lastAssignedAt: iso(c.lastAssignedAt),
      exclusions,
    };
  }

  static stored([
    operatorId,
    teamId,
    rank,
    tier,
    priority,
    workload,
    lastAssignedAt,
    exclusions,
  ]: StoredCandidate): CandidateDto {
    return { operatorId, teamId, rank, tier, priority, workload, lastAssignedAt: iso(lastAssignedAt), exclusions };
  }
}

export class PreviewQuery {
  @ApiProperty({ example: 12 }) @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) tokenId!: number;
  @ApiPropertyOptional({ example: 3, description: "Defaults to the token's current node" })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  nodeId?: number;
}

export class AssigneeDto {
  @ApiProperty({ type: Number, nullable: true }) operatorId!: number | null;
  @ApiProperty({ type: Number, nullable: true }) teamId!: number | null;
}

export class PreviewDto {
  @ApiProperty() tokenId!: number;
  @ApiProperty() nodeId!: number;
  @ApiProperty() at!: Date;
  @ApiProperty({ example: 'local' }) directory!: string;
  @ApiProperty({ type: AssigneeDto, nullable: true, description: 'null: no candidate, the manual plan would decide' })
  chosen!: AssigneeDto | null;
  @ApiProperty({ type: [CandidateDto], description: 'Eligible best first, then the excluded' })
  candidates!: CandidateDto[];
}

export class LogQuery {
  @ApiPropertyOptional() @Omittable() @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) tokenId?: number;
  @ApiPropertyOptional() @Omittable() @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) operatorId?: number;
  @ApiPropertyOptional({ enum: AssignmentMethod }) @Omittable() @IsEnum(AssignmentMethod) method?: AssignmentMethod;
  @ApiPropertyOptional({ description: 'Decided at or after' }) @Omittable() @IsTimestamp() from?: Date;
  @ApiPropertyOptional({ description: 'Decided before' }) @Omittable() @IsTimestamp() to?: Date;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @Omittable()
  @IsString()
  @Length(1, 200)
  cursor?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class LogEntryDto {
  @ApiProperty() id!: number;
  @ApiProperty() tokenId!: number;
  @ApiProperty() jobId!: number;
  @ApiProperty() nodeId!: number;
  @ApiProperty({ type: Number, nullable: true }) operatorId!: number | null;
  @ApiProperty({ type: Number, nullable: true }) teamId!: number | null;
  @ApiProperty({ enum: AssignmentMethod }) method!: AssignmentMethod;
  @ApiProperty({ type: String, nullable: true, example: 'no_candidate' }) reason!: string | null;
  @ApiProperty({ type: [CandidateDto] }) candidates!: CandidateDto[];
  @ApiProperty({
    example: 'local',
    description:
      'Who answered for the candidates: `people` (the Phase 9 caches), `local` (accounts, also while those caches are empty or expired), or `people+local` when the People directory handed part of the read to the local one (operators it does not know, a moment outside its synced window)',
  })
  directory!: string;
  @ApiProperty() decidedAt!: Date;
  @ApiProperty({ description: "Microseconds: the call's decision time over the tokens it decided" })
  durationUs!: number;

  static of(l: AssignmentLog): LogEntryDto {
    const {
      id,
      tokenId,
      jobId,
      nodeId,
      accountId,
      teamId,
      method,
      reason,
      candidates,
      directory,
      decidedAt,
      durationUs,
    } = l;
    return {
      id,
      tokenId,
      jobId,
      nodeId,
      operatorId: accountId,
      teamId,
      method,
      reason,
      candidates: candidates.map((c) => CandidateDto.stored(c)),
      directory,
      decidedAt,
      durationUs,
    };
  }
}

export class LogPageDto {
  @ApiProperty({ type: [LogEntryDto], description: 'Newest first' }) items!: LogEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class CompareQuery {
  @ApiProperty({ example: 1 }) @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) jobId!: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @Omittable()
  @IsString()
  @Length(1, 200)
  cursor?: string;
  @ApiPropertyOptional({
    default: COMPARE_PAGE_LIMIT.default,
    maximum: COMPARE_PAGE_LIMIT.max,
    description: 'Tokens in this page',
  })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(COMPARE_PAGE_LIMIT.max)
  limit?: number;
}

export class MethodSummaryDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Share of tokens given an operator or a team' }) fillRate!:
    number | null;
  @ApiProperty() filled!: number;
  @ApiProperty({
    description:
      "Variance of this job's tokens per eligible operator (a team's token counts 1/n for each of its n eligible members)",
  })
  workloadVariance!: number;
  @ApiProperty({ description: 'Tokens given to someone inactive, on leave or off shift, or to an unavailable team' })
  violations!: number;
}

export class ComparedTokenDto {
  @ApiProperty({ type: Number, nullable: true, description: 'null for a simulated spawn' }) tokenId!: number | null;
  @ApiProperty() serial!: string;
  @ApiProperty() nodeId!: number;
  @ApiProperty({ type: AssigneeDto }) manual!: AssigneeDto;
  @ApiProperty({ type: AssigneeDto }) automatic!: AssigneeDto;
}

export class ComparisonDto {
  @ApiProperty() jobId!: number;
  @ApiProperty() jobCode!: string;
  @ApiProperty() at!: Date;
  @ApiProperty() directory!: string;
  @ApiProperty({ description: 'The job has no open tokens yet: its spawn at the start node was simulated' })
  simulatedSpawn!: boolean;
  @ApiProperty() tokens!: number;
  @ApiProperty() eligibleOperators!: number;
  @ApiProperty({ type: MethodSummaryDto }) manual!: MethodSummaryDto;
  @ApiProperty({ type: MethodSummaryDto }) automatic!: MethodSummaryDto;
  @ApiProperty({ description: 'Tokens the two methods give to someone different' }) differing!: number;
  @ApiProperty({
    type: [ComparedTokenDto],
    description:
      "This page's tokens, by token id (by serial for a simulated spawn); the figures above cover the whole job",
  })
  details!: ComparedTokenDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last' })
  nextCursor!: string | null;
}

export const assigneeOf = (a: { accountId: number | null; teamId: number | null }): AssigneeDto => ({
  operatorId: a.accountId,
  teamId: a.teamId,
});
