import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsInt,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  OemStepStatus,
  OemTicketStatus,
  type OemJobTicket,
  type OemJobTicketStep,
} from '../entities/oem-job-ticket.entity.js';
import type { TicketDetail } from '../oem-tickets.service.js';
import { Omittable } from '../../common/validation/omittable.js';
import { IsTimestamp } from '../../common/validation/timestamp.js';
import { DecimalInt } from '../../common/validation/decimal.js';

export class CreateStepDto {
  @ApiProperty({ example: 1, description: 'Steps are numbered 1..n without gaps or repeats' })
  @IsInt()
  @Min(1)
  @Max(100)
  sequence!: number;
  @ApiProperty({ example: 'Welding' }) @IsString() @Length(1, 100) name!: string;
  @ApiPropertyOptional({
    example: 'WELD',
    description: "A node of the linked job's graph: scans of this step move the job's token there",
  })
  @Omittable()
  @IsString()
  @Length(1, 50)
  nodeCode?: string;
}

export class CreateTicketDto {
  @ApiProperty({ example: 'ACME' }) @IsString() @Length(1, 64) customer!: string;
  @ApiProperty({ example: 'PO-1001', description: "The customer's order reference; unique per customer" })
  @IsString()
  @Length(1, 64)
  externalRef!: string;
  @ApiPropertyOptional({
    example: 1,
    description: 'The core job ticket whose token mapped steps move; at most one OEM ticket per job',
  })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  jobId?: number;
  @ApiPropertyOptional({ example: '2030-01-31T16:00:00Z' }) @Omittable() @IsTimestamp() dueAt?: Date;
  @ApiProperty({ type: [CreateStepDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => CreateStepDto)
  steps!: CreateStepDto[];
}

export class TicketListQuery {
  @ApiPropertyOptional({ example: 'ACME' }) @Omittable() @IsString() @Length(1, 64) customer?: string;
  @ApiPropertyOptional({ enum: OemTicketStatus }) @Omittable() @IsEnum(OemTicketStatus) status?: OemTicketStatus;
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page (opaque)' })
  @Omittable()
  @IsString()
  @Length(1, 200)
  cursor?: string;
}

export class TicketDto {
  @ApiProperty() id!: number;
  @ApiProperty() customer!: string;
  @ApiProperty() externalRef!: string;
  @ApiProperty({ type: Number, nullable: true }) jobId!: number | null;
  @ApiProperty({ enum: OemTicketStatus }) status!: OemTicketStatus;
  @ApiProperty({ type: Date, nullable: true }) dueAt!: Date | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The first step neither done nor skipped; null once all are',
  })
  currentSequence!: number | null;
  @ApiProperty() stepCount!: number;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static of(t: OemJobTicket): TicketDto {
    const { id, customer, externalRef, jobId, status, dueAt, currentSequence, stepCount, createdAt, updatedAt } = t;
    return { id, customer, externalRef, jobId, status, dueAt, currentSequence, stepCount, createdAt, updatedAt };
  }
}

export class StepDto {
  @ApiProperty() sequence!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) nodeCode!: string | null;
  @ApiProperty({ enum: OemStepStatus }) status!: OemStepStatus;
  @ApiProperty({ type: Date, nullable: true }) scannedAt!: Date | null;
  @ApiProperty({ type: String, nullable: true, description: 'Station of the last scan that changed the step' })
  stationCode!: string | null;

  static of(s: OemJobTicketStep): StepDto {
    const { sequence, name, nodeCode, status, scannedAt, stationCode } = s;
    return { sequence, name, nodeCode, status, scannedAt, stationCode };
  }
}

export class TicketDetailDto extends TicketDto {
  @ApiProperty({ type: [StepDto] }) steps!: StepDto[];

  static detail({ ticket, steps }: TicketDetail): TicketDetailDto {
    return Object.assign(TicketDto.of(ticket), { steps: steps.map((s) => StepDto.of(s)) });
  }
}

export class TicketPageDto {
  @ApiProperty({ type: [TicketDto] }) items!: TicketDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor!: string | null;
}
