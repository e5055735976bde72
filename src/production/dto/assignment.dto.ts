import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, ValidateIf } from 'class-validator';
import { Omittable } from '../../common/validation/omittable.js';

/** Exactly one of operatorCode and teamCode (giving both is refused by the service). */
export class PlanTargetDto {
  @ApiPropertyOptional({ example: 'OP-01' })
  // `o` is the body as sent, before its checks: a teamCode of null is there to be refused
  @ValidateIf(
    (o: { operatorCode?: unknown; teamCode?: unknown }) =>
      o.operatorCode !== undefined || o.teamCode === undefined || o.teamCode === null,
  )
  @IsString({ message: 'give exactly one of operatorCode and teamCode' })
  @Length(1, 50)
  operatorCode?: string;

  @ApiPropertyOptional({ example: 'TEAM-WELD' }) @Omittable() @IsString() @Length(1, 50) teamCode?: string;
}

export class PlanDto {
  @ApiProperty() id!: number;
  @ApiProperty() nodeId!: number;
  @ApiPropertyOptional({ type: Number, nullable: true }) jobId?: number;
  @ApiProperty({ type: Number, nullable: true }) operatorId!: number | null;
  @ApiProperty({ type: Number, nullable: true }) teamId!: number | null;

  static of(p: {
    id: number;
    nodeId: number;
    jobId?: number;
    accountId: number | null;
    teamId: number | null;
  }): PlanDto {
    return {
      id: p.id,
      nodeId: p.nodeId,
      ...(p.jobId !== undefined ? { jobId: p.jobId } : {}),
      operatorId: p.accountId,
      teamId: p.teamId,
    };
  }
}
