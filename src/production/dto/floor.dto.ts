import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsString, Length, Max, Min } from 'class-validator';
import { JobStatus } from '../entities/job-ticket.entity.js';
import { Omittable } from '../../common/validation/omittable.js';
import { IsTimestamp } from '../../common/validation/timestamp.js';
import { JobDto } from './job.dto.js';

export class NodeLoadDto {
  @ApiProperty() nodeId!: number;
  @ApiProperty({ example: 'WELD' }) nodeCode!: string;
  @ApiProperty({ description: 'Tokens waiting at the node' }) waiting!: number;
  @ApiProperty({ description: 'Tokens being worked on at the node' }) inProgress!: number;
  @ApiProperty({
    description:
      'Work finished at the node in the window: tokens completed there, or, at an end node, tokens that arrived done',
  })
  finished!: number;
}

export class LineDto {
  @ApiProperty() graphId!: number;
  @ApiProperty({ description: 'When the counts were read' }) at!: Date;
  @ApiProperty({ example: 60, description: 'The window of `finished`, ending at `at`' }) windowMinutes!: number;
  @ApiProperty({ type: [NodeLoadDto], description: 'Every node of the graph, in id order' }) nodes!: NodeLoadDto[];
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'The node with the longest queue (most tokens waiting; ties: more in progress, then the first); null when nothing waits',
  })
  bottleneckNodeId!: number | null;
}

export class FloorJobsQuery {
  @ApiPropertyOptional({ enum: JobStatus }) @Omittable() @IsEnum(JobStatus) status?: JobStatus;
  @ApiPropertyOptional({ example: 'WIDGET-A' }) @Omittable() @IsString() @Length(1, 64) productCode?: string;
  @ApiPropertyOptional({ example: '2030-01-01T00:00:00Z', description: 'Due at or after' })
  @Omittable()
  @IsTimestamp()
  dueAfter?: Date;
  @ApiPropertyOptional({ example: '2030-02-01T00:00:00Z', description: 'Due before' })
  @Omittable()
  @IsTimestamp()
  dueBefore?: Date;
  @ApiPropertyOptional({ default: 200, maximum: 1000 })
  @Omittable()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class JobProgressDto extends JobDto {
  @ApiProperty({ description: 'Tokens done (finished at an end node)' }) tokensDone!: number;
  @ApiProperty({ description: 'Tokens scrapped' }) tokensScrapped!: number;
  @ApiProperty({ description: 'Due before now and neither done nor cancelled' }) late!: boolean;
}
