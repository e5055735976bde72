import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import { IsBoolean, IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import type { Request } from 'express';
import { requestKey } from '../../common/auth/request-key.js';
import { Roles } from '../../common/auth/auth.decorators.js';
import { Role } from '../../common/auth/role.js';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
import { RollbackRecordDto } from '../dto/admin.dto.js';
import { RollForwardResult, RollForwardService } from './roll-forward.service.js';
import { Omittable } from '../../common/validation/omittable.js';
import { DecimalInt } from '../../common/validation/decimal.js';

class PhaseParam {
  @ApiProperty({ example: 10 })
  @DecimalInt()
  @IsInt()
  @Min(1)
  @Max(99)
  phase!: number;
}

class EnablePhaseDto {
  @ApiProperty({
    description: 'Why (required): kept in the roll-forward entry of the rollback log and in the flag and job audit',
    minLength: 3,
    maxLength: 500,
  })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;

  @ApiPropertyOptional({ description: 'Switch on only the shadow flags (evaluate the new path without applying it)' })
  @Omittable()
  @IsBoolean()
  shadowOnly?: boolean;

  @ApiPropertyOptional({
    description:
      'Take a full-database backup first ("backups before enabling"); refused, nothing changed, if it fails. Its location is the log entry\'s backupLocation',
  })
  @Omittable()
  @IsBoolean()
  fullBackup?: boolean;
}

class RollForwardResultDto {
  @ApiProperty() phase!: number;
  @ApiProperty({ type: [String] }) migrationsApplied!: string[];
  @ApiProperty({ type: [String] }) flagsOn!: string[];
  @ApiProperty({ type: [String] }) jobsResumed!: string[];
  @ApiProperty({
    type: RollbackRecordDto,
    description: "The roll-forward's entry in the rollback log (kind roll-forward), with its steps and timing",
  })
  log!: RollbackRecordDto;
}

/**
 * The console's "Re-enable": the REST face of `phases enable`, a thin layer over the rollback
 * module's RollForwardService so the browser and the CLI roll forward the same way.
 */
@ApiTags('admin: rollbacks')
@Controller('admin/phases')
@Roles(Role.Admin)
export class RollForwardController {
  constructor(private readonly rollForward: RollForwardService) {}

  @ApiOperation({ summary: 'Re-enable a rolled-back phase' })
  @Post(':phase/enable')
  @HttpCode(200)
  @ApiOkResponse({
    type: RollForwardResultDto,
    description:
      "Schema applied again if it was reverted, flags on, their jobs resumed; logged as a roll-forward, and the phase's last rollback marked re-enabled (unless shadowOnly)",
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'No reason, or a bad phase number' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such phase' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description:
      'UNSAFE_REQUEST: a lower phase whose schema is not applied must be enabled first, or the full backup failed (nothing changed)',
  })
  enable(@Param() p: PhaseParam, @Body() body: EnablePhaseDto, @Req() req: Request): Promise<RollForwardResult> {
    return this.rollForward.enable(
      p.phase,
      { shadowOnly: body.shadowOnly === true, fullBackup: body.fullBackup === true, method: 'api' },
      { actor: requestKey(req).name, reason: body.reason, requestId: req.id },
    );
  }
}
