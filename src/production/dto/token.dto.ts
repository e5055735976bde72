import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsInt, IsString, Length, Max, Min } from 'class-validator';
import type { MovedToken } from '../dag-routing.service.js';
import { TokenEventType, TokenStatus } from '../entities/token.entity.js';
import { Omittable } from '../../common/validation/omittable.js';
import { DecimalInt, MAX_ID } from '../../common/validation/decimal.js';

export class TokenListQuery {
  @ApiPropertyOptional() @Omittable() @DecimalInt() @IsInt() @Min(1) @Max(MAX_ID) jobId?: number;
  @ApiPropertyOptional({ enum: TokenStatus }) @Omittable() @IsEnum(TokenStatus) status?: TokenStatus;
  @ApiPropertyOptional({ description: 'current node id' })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  nodeId?: number;
  @ApiPropertyOptional({ description: 'assigned operator id' })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  operatorId?: number;
  @ApiPropertyOptional({ description: 'assigned team id' })
  @Omittable()
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  teamId?: number;
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

/** Common to every move: who acts, and optionally the version the client last saw. */
export class MoveBodyDto {
  @ApiPropertyOptional({ example: 'OP-01', description: 'The operator acting, recorded on the events' })
  @Omittable()
  @IsString()
  @Length(1, 50)
  operatorCode?: string;

  @ApiPropertyOptional({ description: 'Refuse with 409 CONCURRENT_UPDATE unless the token is still at this version' })
  @Omittable()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class CompleteTokenDto extends MoveBodyDto {
  @ApiPropertyOptional({
    example: 'pass',
    description: 'Required at a node with several outgoing edges; picks the edge',
  })
  @Omittable()
  @IsString()
  @Length(1, 32)
  outcome?: string;
}

export class RouteTokenDto extends CompleteTokenDto {
  @ApiProperty({ description: 'Target node id; an edge from the current node to it must exist' })
  @IsInt()
  @Min(1)
  toNodeId!: number;
}

export class ScrapTokenDto extends MoveBodyDto {
  @ApiProperty({ example: 'cracked housing' }) @IsString() @Length(1, 500) reason!: string;
}

export class MovedTokenDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'J-2024-001-0001' }) serial!: string;
  @ApiProperty() jobId!: number;
  @ApiProperty() jobCode!: string;
  @ApiProperty() nodeId!: number;
  @ApiProperty() nodeCode!: string;
  @ApiProperty({ enum: TokenStatus }) status!: TokenStatus;
  @ApiProperty({ type: Number, nullable: true }) assignedOperatorId!: number | null;
  @ApiProperty({ type: Number, nullable: true }) assignedTeamId!: number | null;
  @ApiProperty({ description: 'Optimistic-lock version; moves bump it by one' }) version!: number;
  @ApiProperty() updatedAt!: Date;

  static of(m: MovedToken): MovedTokenDto {
    const t = m.token;
    return {
      id: t.id,
      serial: t.serial,
      jobId: m.job.id,
      jobCode: m.job.code,
      nodeId: m.node.id,
      nodeCode: m.node.code,
      status: t.status,
      assignedOperatorId: t.assignedAccountId,
      assignedTeamId: t.assignedTeamId,
      version: t.version,
      updatedAt: m.at,
    };
  }
}

export class TokenDto extends MovedTokenDto {
  @ApiProperty() createdAt!: Date;
}

export class TokenPageDto {
  @ApiProperty({ type: [TokenDto] }) items!: TokenDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export class TokenEventDto {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: TokenEventType }) type!: TokenEventType;
  @ApiProperty({ type: Number, nullable: true }) nodeId!: number | null;
  @ApiProperty({ type: String, nullable: true }) nodeCode!: string | null;
  @ApiProperty({ type: Number, nullable: true }) operatorId!: number | null;
  @ApiProperty() occurredAt!: Date;
  @ApiProperty({ type: Object, nullable: true }) payload!: Record<string, unknown> | null;
}

export class TokenDetailDto extends TokenDto {
  @ApiProperty({ type: [TokenEventDto], description: 'Every transition, oldest first' }) history!: TokenEventDto[];
}
