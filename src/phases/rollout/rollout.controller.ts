import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
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
import { Roles } from '../../common/auth/auth.decorators.js';
import { requestKey } from '../../common/auth/request-key.js';
import { Role } from '../../common/auth/role.js';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
import {
  AdvanceRolloutDto,
  CreateRolloutDto,
  RolloutActionDto,
  RolloutIdParam,
  RolloutListQuery,
  RolloutPlanDto,
  RolloutViewDto,
} from './dto/rollout.dto.js';
import type { RolloutPlan } from './rollout-plan.repository.js';
import { RolloutService, type RolloutView } from './rollout.service.js';

const change = (req: Request, reason: string) => ({ actor: requestKey(req).name, reason, requestId: req.id });

@ApiTags('admin: rollouts')
@Controller('admin/rollouts')
@Roles(Role.Admin)
export class RolloutController {
  constructor(private readonly rollouts: RolloutService) {}

  @ApiOperation({ summary: 'List rollout plans, newest first' })
  @Get()
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: [RolloutPlanDto] })
  list(@Query() q: RolloutListQuery): Promise<RolloutPlan[]> {
    return this.rollouts.list(q.limit, q.phase);
  }

  @ApiOperation({ summary: "A plan's status: its stage, the guardrails' figures now, and its audited events" })
  @Get(':id')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: RolloutViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param() p: RolloutIdParam): Promise<RolloutView> {
    return this.rollouts.view(p.id);
  }

  @ApiOperation({ summary: "Start a rollout plan: the phase's flags are set to its first stage at once" })
  @Post()
  @ApiCreatedResponse({ type: RolloutViewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Stages that do not parse, no reason' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such phase' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: "ROLLOUT_ACTIVE: the phase has a live plan; SCHEMA_NOT_APPLIED: the phase's schema is not there",
  })
  create(@Body() body: CreateRolloutDto, @Req() req: Request): Promise<RolloutView> {
    const { phase, stages, minDuration, minSample, approval, reason } = body;
    return this.rollouts.plan({ phase, stages, minDuration, minSample, approval, reason, actor: requestKey(req).name });
  }

  @ApiOperation({ summary: 'Move to the next stage (approves a plan awaiting approval)' })
  @Post(':id/advance')
  @HttpCode(200)
  @ApiOkResponse({ type: RolloutViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description:
      'UNSAFE_REQUEST: the shadow gate is closed or a guardrail breaches (force overrides); INVALID_STATE: paused or ended',
  })
  advance(@Param() p: RolloutIdParam, @Body() body: AdvanceRolloutDto, @Req() req: Request): Promise<RolloutView> {
    return this.rollouts.advance(p.id, { ...change(req, body.reason), force: body.force === true });
  }

  @ApiOperation({ summary: 'Hold the plan at its stage: the guard leaves it alone until resumed' })
  @Post(':id/pause')
  @HttpCode(200)
  @ApiOkResponse({ type: RolloutViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'INVALID_STATE: not running' })
  pause(@Param() p: RolloutIdParam, @Body() body: RolloutActionDto, @Req() req: Request): Promise<RolloutView> {
    return this.rollouts.pause(p.id, change(req, body.reason));
  }

  @ApiOperation({ summary: "Resume a paused plan; its stage's window starts again" })
  @Post(':id/resume')
  @HttpCode(200)
  @ApiOkResponse({ type: RolloutViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'INVALID_STATE: not paused' })
  resume(@Param() p: RolloutIdParam, @Body() body: RolloutActionDto, @Req() req: Request): Promise<RolloutView> {
    return this.rollouts.resume(p.id, change(req, body.reason));
  }

  @ApiOperation({ summary: "End the plan where it stands (the phase's flags stay as its stage set them)" })
  @Post(':id/abort')
  @HttpCode(200)
  @ApiOkResponse({ type: RolloutViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'INVALID_STATE: it has ended' })
  abort(@Param() p: RolloutIdParam, @Body() body: RolloutActionDto, @Req() req: Request): Promise<RolloutView> {
    return this.rollouts.abort(p.id, change(req, body.reason));
  }
}
