import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { JobStatus, type JobTicket } from '../entities/job-ticket.entity.js';
import { Omittable } from '../../common/validation/omittable.js';
import { IsTimestamp } from '../../common/validation/timestamp.js';

export class CreateJobDto {
  @ApiProperty({ example: 'J-2024-001', description: 'Also the prefix of its token serials' })
  @IsString()
  @Length(1, 40)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: 'code must be letters, digits, _ . - (printable in a barcode)' })
  code!: string;
  @ApiProperty({ example: 1 }) @IsInt() @Min(1) graphId!: number;
  @ApiProperty({ example: 'WIDGET-A' }) @IsString() @Length(1, 64) productCode!: string;
  @ApiProperty({ example: 20, maximum: 100_000 }) @IsInt() @Min(1) @Max(100_000) quantity!: number;
  @ApiPropertyOptional({ example: 0, description: 'Higher first' })
  @Omittable()
  @IsInt()
  @Min(-1000)
  @Max(1000)
  priority?: number;
  @ApiPropertyOptional({ example: '2030-01-31T16:00:00Z' }) @Omittable() @IsTimestamp() dueAt?: Date;
}

export class CancelJobDto {
  @ApiProperty({ example: 'customer withdrew the order' }) @IsString() @Length(1, 500) reason!: string;
}

export class JobListQuery {
  @ApiPropertyOptional({ enum: JobStatus }) @Omittable() @IsEnum(JobStatus) status?: JobStatus;
}

export class JobDto {
  @ApiProperty() id!: number;
  @ApiProperty() code!: string;
  @ApiProperty() graphId!: number;
  @ApiProperty() productCode!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty() priority!: number;
  @ApiProperty({ enum: JobStatus }) status!: JobStatus;
  @ApiProperty({ type: Date, nullable: true }) dueAt!: Date | null;
  @ApiProperty({ description: 'Tokens neither done nor scrapped' }) openTokens!: number;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static of(j: JobTicket): JobDto {
    const { id, code, graphId, productCode, quantity, priority, status, dueAt, openTokens, createdAt, updatedAt } = j;
    return { id, code, graphId, productCode, quantity, priority, status, dueAt, openTokens, createdAt, updatedAt };
  }
}

export class SpawnResultDto {
  @ApiProperty() jobId!: number;
  @ApiProperty() spawned!: number;
  @ApiProperty({ example: 'J-2024-001-0001' }) firstSerial!: string;
  @ApiProperty({ example: 'J-2024-001-0020' }) lastSerial!: string;
}
