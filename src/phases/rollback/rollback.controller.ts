import { Body, Controller, Get, Param, Patch, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowInReadOnly } from '../../common/http/read-only.guard.js';
import { requestKey } from '../../common/auth/request-key.js';
import { Roles } from '../../common/auth/auth.decorators.js';
import { Role } from '../../common/auth/role.js';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
import { RollbackPlanDto, RollbackRecordDto } from '../dto/admin.dto.js';
import { ResolutionDto, RollbackIdParam, StartRollbackDto } from './dto/rollback.dto.js';
import { RollbackLog, RollbackRecord } from './rollback-log.service.js';
import type { RollbackPlan } from './rollback-planner.service.js';
import { RollbackService } from './rollback.service.js';

@ApiTags('admin: rollbacks')
@Controller('admin/rollbacks')
@Roles(Role.Admin)
export class RollbackController {
  constructor(
    private readonly rollbacks: RollbackService,
    private readonly log: RollbackLog,
  ) {}

  @ApiOperation({ summary: 'List the rollback log' })
  @Get()
  @ApiOkResponse({ type: [RollbackRecordDto], description: 'The rollback log, newest first (the latest 50)' })
  list(): Promise<RollbackRecord[]> {
    return this.log.list();
  }

  @ApiOperation({ summary: 'Get one rollback' })
  @Get(':id')
  @ApiOkResponse({ type: RollbackRecordDto, description: 'One rollback with its steps, timings and issues' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param() p: RollbackIdParam): Promise<RollbackRecord> {
    return this.log.get(p.id);
  }

  @ApiOperation({
    summary: "Write a rollback's resolution, root cause and outcome",
    description:
      'Sends the RESOLVED notice to ROLLBACK_WEBHOOK_URL (not for a roll-forward entry); an undelivered notice is kept under issues',
  })
  @Patch(':id')
  @ApiOkResponse({ type: RollbackRecordDto, description: 'The rollback with its resolution written' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'No resolution, or a field too long' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  resolve(@Param() p: RollbackIdParam, @Body() body: ResolutionDto): Promise<RollbackRecord> {
    return this.log.setResolution(p.id, body);
  }

  @ApiOperation({ summary: 'Roll back a phase, down to a phase, or everything (emergency); or plan it (dryRun)' })
  @Post()
  @AllowInReadOnly((req) => (req.body as { emergency?: unknown } | undefined)?.emergency === true)
  @ApiOkResponse({ type: RollbackPlanDto, description: 'dryRun: the plan; nothing changed' })
  @ApiCreatedResponse({
    type: RollbackRecordDto,
    description:
      'The finished rollback (completed or failed), as logged. In APP_MODE=readonly only the emergency rollback is accepted',
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'No reason, or not exactly one of phase, toPhase, emergency',
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description:
      'ROLLBACK_IN_PROGRESS, or UNSAFE_REQUEST (out of stack order, data without backup, unusable backup directory)',
  })
  async start(
    @Body() body: StartRollbackDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RollbackPlan | RollbackRecord> {
    const { dryRun, ...request } = body;
    const actor = requestKey(req).name;
    if (dryRun) {
      res.status(200);
      return this.rollbacks.plan({ ...request, actor });
    }
    return this.rollbacks.rollback({ ...request, actor, method: 'api', requestId: req.id });
  }
}
