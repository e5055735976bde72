import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsInt, IsString, Length, Max, Min } from 'class-validator';
import { LeaveStatus, type LeaveRequest } from '../entities/leave-request.entity.js';
import { Omittable } from '../../common/validation/omittable.js';
import { IsTimestamp } from '../../common/validation/timestamp.js';
import { DecimalInt, MAX_ID } from '../../common/validation/decimal.js';

export class CreateLeaveDto {
  @ApiProperty({ example: 4 }) @IsInt() @Min(1) @Max(MAX_ID) operatorId!: number;
  @ApiProperty({ example: '2030-07-01T00:00:00Z' }) @IsTimestamp() startsAt!: Date;
  @ApiProperty({ example: '2030-07-15T00:00:00Z', description: 'Exclusive; after startsAt' })
  @IsTimestamp()
  endsAt!: Date;
  @ApiPropertyOptional({ example: 'summer holiday' }) @Omittable() @IsString() @Length(1, 200) reason?: string;
}

export class LeaveQuery {
  @ApiPropertyOptional() @Omittable() @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) operatorId?: number;
  @ApiPropertyOptional({ enum: LeaveStatus }) @Omittable() @IsEnum(LeaveStatus) status?: LeaveStatus;
}

export class LeaveIdParam {
  @ApiProperty({ example: 1 }) @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) id!: number;
}

export class LeaveDto {
  @ApiProperty() id!: number;
  @ApiProperty() operatorId!: number;
  @ApiProperty() startsAt!: Date;
  @ApiProperty() endsAt!: Date;
  @ApiProperty({ enum: LeaveStatus }) status!: LeaveStatus;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty() requestedBy!: string;
  @ApiProperty({ type: String, nullable: true }) decidedBy!: string | null;
  @ApiProperty({ type: Date, nullable: true }) decidedAt!: Date | null;
  @ApiProperty() createdAt!: Date;

  static of(l: LeaveRequest): LeaveDto {
    const { id, accountId, startsAt, endsAt, status, reason, requestedBy, decidedBy, decidedAt, createdAt } = l;
    return {
      id,
      operatorId: accountId,
      startsAt,
      endsAt,
      status,
      reason,
      requestedBy,
      decidedBy,
      decidedAt,
      createdAt,
    };
  }
}
