import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Omittable } from '../../common/validation/omittable.js';
import { IsTimestamp } from '../../common/validation/timestamp.js';
import { DecimalInt, MAX_ID } from '../../common/validation/decimal.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class TokenFlowQuery {
  @ApiPropertyOptional({
    description: 'First hour bucket (inclusive); default 24 hours before now; at most 31 days before `to` (or now)',
    example: '2030-01-31T00:00:00Z',
  })
  @Omittable()
  @IsTimestamp()
  from?: Date;

  @ApiPropertyOptional({ description: 'End of the range (exclusive); default open', example: '2030-02-01T00:00:00Z' })
  @Omittable()
  @IsTimestamp()
  to?: Date;

  @ApiPropertyOptional({ example: 3 })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  nodeId?: number;
}

export class CycleTimeQuery {
  @ApiPropertyOptional({ description: 'Product code', example: 'WIDGET-A' })
  @Omittable()
  @IsString()
  @MaxLength(64)
  product?: string;

  @ApiPropertyOptional({
    description: 'First UTC day (inclusive); default 30 days before today; at most 366 days up to `to` (or today)',
    example: '2030-01-01',
  })
  @Omittable()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ description: 'Last UTC day (inclusive); default open', example: '2030-01-31' })
  @Omittable()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

export class TokenFlowRowDto {
  @ApiProperty() nodeId!: number;
  @ApiProperty({ description: 'Start of the UTC hour' }) bucketStart!: Date;
  @ApiProperty({ description: 'Tokens spawned at or routed to the node in the hour' }) entered!: number;
  @ApiProperty({ description: 'Tokens routed on from the node, or finished at it, in the hour' }) exited!: number;
  @ApiProperty() scrapped!: number;
  @ApiProperty({ description: 'Tokens at the node at the end of the hour; unchanged through hours without a row' })
  wip!: number;
}

class WindowDto {
  @ApiProperty() windowStart!: Date;
  @ApiProperty() windowEnd!: Date;
}

export class BottleneckRowDto extends WindowDto {
  @ApiProperty({ description: '1 = worst: by queue length, then p90 wait, then node id' }) rank!: number;
  @ApiProperty() nodeId!: number;
  @ApiProperty() graphId!: number;
  @ApiProperty() nodeCode!: string;
  @ApiProperty() nodeName!: string;
  @ApiProperty({ description: 'Tokens waiting at the node now' }) queueLength!: number;
  @ApiProperty({ description: 'Starts in the window (each one wait measured)' }) waitsMeasured!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Arrival to start, rounded half up' }) avgWaitMs!:
    number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Nearest-rank p90 of arrival to start' }) p90WaitMs!:
    number | null;
  @ApiProperty({ description: 'Completions in the window' }) processingsMeasured!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Start to completion, rounded half up' }) avgProcessingMs!:
    number | null;
}

export class TeamWorkloadRowDto extends WindowDto {
  @ApiProperty() teamId!: number;
  @ApiProperty() teamCode!: string;
  @ApiProperty() teamName!: string;
  @ApiProperty({ description: 'Waiting tokens assigned to the team or to one of its members' }) tokensWaiting!: number;
  @ApiProperty({ description: 'In-progress tokens assigned to the team or to one of its members' })
  tokensInProgress!: number;
  @ApiProperty({ description: 'Completions by team members in the window' }) completedInWindow!: number;
  @ApiProperty({ description: 'Active members' }) operatorsOnShift!: number;
}

export class CycleTimeRowDto {
  @ApiProperty() productCode!: string;
  @ApiProperty({ description: 'UTC day the tokens finished', example: '2030-01-31' }) day!: string;
  @ApiProperty() tokensFinished!: number;
  @ApiProperty({ description: 'Spawn to finish, rounded half up' }) avgCycleMs!: number;
  @ApiProperty({ description: 'Nearest-rank median' }) p50CycleMs!: number;
  @ApiProperty({ description: 'Nearest-rank p90' }) p90CycleMs!: number;
}

/** Every dashboard answer: the rows of the view's current generation and how fresh they are. */
class ViewAnswerDto {
  @ApiProperty({ type: Date, nullable: true, description: 'What the data is as of; null before the first refresh' })
  refreshedAt!: Date | null;
  @ApiProperty({ description: 'Older than three refresh intervals (or never refreshed)' }) stale!: boolean;
}

export class TokenFlowAnswerDto extends ViewAnswerDto {
  @ApiProperty({ type: [TokenFlowRowDto] }) data!: TokenFlowRowDto[];
}

export class BottlenecksAnswerDto extends ViewAnswerDto {
  @ApiProperty({ type: [BottleneckRowDto] }) data!: BottleneckRowDto[];
}

export class TeamWorkloadAnswerDto extends ViewAnswerDto {
  @ApiProperty({ type: [TeamWorkloadRowDto] }) data!: TeamWorkloadRowDto[];
}

export class CycleTimesAnswerDto extends ViewAnswerDto {
  @ApiProperty({ type: [CycleTimeRowDto] }) data!: CycleTimeRowDto[];
}

export class RefreshResultDto {
  @ApiProperty() runId!: number;
  @ApiProperty({ enum: ['full'], description: 'A refresh run on request rebuilds every view from all history' })
  mode!: 'full';
  @ApiProperty() startedAt!: Date;
  @ApiProperty() finishedAt!: Date;
  @ApiProperty({ example: { views_refreshed: 4, incremental: 0, rows: 1234, views_checked: 2, mismatches: 0 } })
  counts!: Record<string, number>;
}
