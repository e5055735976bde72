import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { Roles } from '../../../common/auth/auth.decorators.js';
import { requestKey } from '../../../common/auth/request-key.js';
import { Role } from '../../../common/auth/role.js';
import { ErrorResponseDto } from '../../../common/errors/error-response.dto.js';
import { RollbackIdParam } from '../dto/rollback.dto.js';
import type { DrillReport } from './drill-report.js';
import { DrillReportDto, StartDrillDto } from './rollback-drill.dto.js';
import { RollbackDrillService } from './rollback-drill.service.js';

@ApiTags('admin: rollbacks')
@Controller('admin/rollbacks/drills')
@Roles(Role.Admin)
export class RollbackDrillController {
  constructor(private readonly drills: RollbackDrillService) {}

  @ApiOperation({ summary: 'List the rollback drill reports' })
  @Get()
  @ApiOkResponse({ type: [DrillReportDto], description: 'The drill reports, newest first (the latest 50)' })
  list(): Promise<DrillReport[]> {
    return this.drills.list();
  }

  @ApiOperation({ summary: 'Get one rollback drill report' })
  @Get(':id')
  @ApiOkResponse({ type: DrillReportDto, description: 'One drill with its steps, timings and checksums' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param() p: RollbackIdParam): Promise<DrillReport> {
    return this.drills.get(p.id);
  }

  @ApiOperation({
    summary: 'Rehearse the rollback on a scratch copy of the database (answers when the drill has ended)',
  })
  @Post()
  @ApiCreatedResponse({
    type: DrillReportDto,
    description: 'The finished drill (passed or failed), as reported. The live database gains only the report',
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such phase' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'UNSAFE_REQUEST: the database cannot be copied' })
  start(@Body() body: StartDrillDto, @Req() req: Request): Promise<DrillReport> {
    return this.drills.run({ toPhase: body.toPhase, actor: requestKey(req).name });
  }
}
