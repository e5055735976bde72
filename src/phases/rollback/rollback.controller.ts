import { Body, Controller, Get, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowInReadOnly } from '../../common/http/read-only.guard.js';
import { Roles } from '../../common/auth/auth.decorators.js';
import { Role } from '../../common/auth/role.js';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
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

  @Get()
  @ApiOkResponse({ description: 'The rollback log, newest first' })
  list(): Promise<RollbackRecord[]> {
    return this.log.list();
  }

  @Get(':id')
  @ApiOkResponse({ description: 'One rollback with its steps, timings and issues' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param() p: RollbackIdParam): Promise<RollbackRecord> {
    return this.log.get(p.id);
  }

  @Patch(':id')
  @ApiOkResponse({ description: 'The rollback with its resolution written' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  resolve(@Param() p: RollbackIdParam, @Body() body: ResolutionDto): Promise<RollbackRecord> {
    return this.log.setResolution(p.id, body.resolution);
  }

  @Post()
  @AllowInReadOnly((req) => (req.body as { emergency?: unknown } | undefined)?.emergency === true)
  @ApiOkResponse({ description: 'dryRun: the plan (200). Otherwise the finished rollback (201). In APP_MODE=readonly only the emergency rollback is accepted' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'No reason, or not exactly one of phase, toPhase, emergency' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'ROLLBACK_IN_PROGRESS, or UNSAFE_REQUEST (out of stack order, data without backup, unusable backup directory)' })
  async start(@Body() body: StartRollbackDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<RollbackPlan | RollbackRecord> {
    const { dryRun, ...request } = body;
    const actor = req.apiKey!.name;
    if (dryRun) {
      res.status(200);
      return this.rollbacks.plan({ ...request, actor });
    }
    return this.rollbacks.rollback({ ...request, actor, requestId: req.id });
  }
}
