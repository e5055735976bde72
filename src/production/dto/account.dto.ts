import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsString, Length, Matches } from 'class-validator';
import type { Account } from '../entities/account.entity.js';
import type { TeamWithMembers } from '../accounts.service.js';
import { Omittable } from '../../common/validation/omittable.js';

const CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class CreateOperatorDto {
  @ApiProperty({ example: 'OP-01' })
  @IsString()
  @Length(1, 50)
  @Matches(CODE, { message: 'code must be letters, digits, _ . -' })
  code!: string;
  @ApiProperty({ example: 'Ada L.' }) @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional({ type: [String], example: ['weld', 'qc'] })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  skills?: string[];
  @ApiPropertyOptional({ default: true }) @Omittable() @IsBoolean() active?: boolean;
}

export class UpdateOperatorDto {
  @ApiPropertyOptional() @Omittable() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ type: [String] })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  skills?: string[];
  @ApiPropertyOptional() @Omittable() @IsBoolean() active?: boolean;
}

export class OperatorDto {
  @ApiProperty() id!: number;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) skills!: string[];
  @ApiProperty() active!: boolean;

  static of(a: Account): OperatorDto {
    return { id: a.id, code: a.code, name: a.name, skills: a.skills, active: a.active };
  }
}

export class TeamMembersDto {
  @ApiProperty({ type: [String], example: ['OP-01', 'OP-02'] })
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  memberCodes!: string[];
}

export class CreateTeamDto {
  @ApiProperty({ example: 'TEAM-WELD' })
  @IsString()
  @Length(1, 50)
  @Matches(CODE, { message: 'code must be letters, digits, _ . -' })
  code!: string;
  @ApiProperty({ example: 'Welding crew' }) @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional({ type: [String], example: ['OP-01', 'OP-02'] })
  @Omittable()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  memberCodes?: string[];
}

export class TeamDto {
  @ApiProperty() id!: number;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [OperatorDto] }) members!: OperatorDto[];

  static of(t: TeamWithMembers): TeamDto {
    return { id: t.team.id, code: t.team.code, name: t.team.name, members: t.members.map((m) => OperatorDto.of(m)) };
  }
}
