import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Roles } from '../common/auth/auth.decorators.js';
import { requestKey } from '../common/auth/request-key.js';
import { Role } from '../common/auth/role.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { IdParam } from '../common/validation/params.dto.js';
import { PhaseSchemaRoutes } from '../phases/phase-schema.interceptor.js';
import { AvailabilityService } from './availability.service.js';
import { AvailabilityDto } from './dto/availability.dto.js';
import { CreateLeaveDto, LeaveDto, LeaveIdParam, LeaveQuery } from './dto/leave.dto.js';
import { JobIdParam, JobNodeParam, NodeIdParam, PlanEntryDto, SetPlanDto } from './dto/plan.dto.js';
import { LeaveService } from './leave.service.js';
import { PlanPrioritiesService } from './plan-priorities.service.js';

/** What the resolver works from: plans with priorities, availability windows and leave. */
@ApiTags('assignment')
@Controller('assignment')
@PhaseSchemaRoutes(7)
export class AssignmentSetupController {
  constructor(
    private readonly plans: PlanPrioritiesService,
    private readonly availability: AvailabilityService,
    private readonly leave: LeaveService,
  ) {}

  @Put('plans/nodes/:nodeId')
  @Roles(Role.Supervisor)
  @ApiOperation({
    summary: "Replace a node's plan: operators and teams with priorities (the top entry is also the manual plan)",
  })
  @ApiOkResponse({ type: [PlanEntryDto] })
  @ApiErrors({ notFound: 'No such node, operator or team' })
  setNodePlan(@Param() p: NodeIdParam, @Body() body: SetPlanDto): Promise<PlanEntryDto[]> {
    return this.plans.setNodePlan(p.nodeId, body.entries);
  }

  @ApiOperation({ summary: "Get a node's Phase 7 plan" })
  @Get('plans/nodes/:nodeId')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: [PlanEntryDto] })
  @ApiErrors({ notFound: 'No such node' })
  nodePlan(@Param() p: NodeIdParam): Promise<PlanEntryDto[]> {
    return this.plans.nodePlan(p.nodeId);
  }

  @Put('plans/jobs/:jobId/nodes/:nodeId')
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: "Replace a job's plan for one node; its entries rank before the node's" })
  @ApiOkResponse({ type: [PlanEntryDto] })
  @ApiErrors({
    notFound: 'No such job, node, operator or team',
    conflict: "INVALID_STATE: the node is not in the job's graph",
  })
  setJobPlan(@Param() p: JobNodeParam, @Body() body: SetPlanDto): Promise<PlanEntryDto[]> {
    return this.plans.setJobPlan(p.jobId, p.nodeId, body.entries);
  }

  @ApiOperation({ summary: "Get a job's Phase 7 plans" })
  @Get('plans/jobs/:jobId')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: [PlanEntryDto] })
  @ApiErrors({ notFound: 'No such job' })
  jobPlan(@Param() p: JobIdParam): Promise<PlanEntryDto[]> {
    return this.plans.jobPlan(p.jobId);
  }

  @Put('operators/:id/availability')
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: "Replace an operator's weekly windows and dated exceptions" })
  @ApiOkResponse({ type: AvailabilityDto })
  @ApiErrors({ notFound: 'No such operator' })
  setOperatorAvailability(@Param() p: IdParam, @Body() body: AvailabilityDto): Promise<AvailabilityDto> {
    return this.availability.set('operator', p.id, body);
  }

  @ApiOperation({ summary: "Get an operator's availability" })
  @Get('operators/:id/availability')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: AvailabilityDto })
  @ApiErrors({ notFound: 'No such operator' })
  operatorAvailability(@Param() p: IdParam): Promise<AvailabilityDto> {
    return this.availability.get('operator', p.id);
  }

  @Put('teams/:id/availability')
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: "Replace a team's weekly windows and dated exceptions" })
  @ApiOkResponse({ type: AvailabilityDto })
  @ApiErrors({ notFound: 'No such team' })
  setTeamAvailability(@Param() p: IdParam, @Body() body: AvailabilityDto): Promise<AvailabilityDto> {
    return this.availability.set('team', p.id, body);
  }

  @ApiOperation({ summary: "Get a team's availability" })
  @Get('teams/:id/availability')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: AvailabilityDto })
  @ApiErrors({ notFound: 'No such team' })
  teamAvailability(@Param() p: IdParam): Promise<AvailabilityDto> {
    return this.availability.get('team', p.id);
  }

  @Post('leave')
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: 'Request leave for an operator (pending until approved)' })
  @ApiCreatedResponse({ type: LeaveDto })
  @ApiErrors({
    badRequest: 'Invalid input, or endsAt not after startsAt',
    notFound: 'No such operator',
    conflict: "OVERLAP: the operator's pending or approved leave overlaps",
  })
  async createLeave(@Body() body: CreateLeaveDto, @Req() req: Request): Promise<LeaveDto> {
    return LeaveDto.of(await this.leave.create(body, requestKey(req).name));
  }

  @ApiOperation({ summary: 'List leave requests' })
  @Get('leave')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: [LeaveDto], description: 'By start time; at most 1000' })
  @ApiErrors({})
  async listLeave(@Query() q: LeaveQuery): Promise<LeaveDto[]> {
    return (await this.leave.list(q)).map((l) => LeaveDto.of(l));
  }

  @ApiOperation({ summary: 'Approve a leave request' })
  @Post('leave/:id/approve')
  @HttpCode(200)
  @Roles(Role.Supervisor)
  @ApiOkResponse({ type: LeaveDto })
  @ApiErrors({ notFound: 'No such leave request', conflict: 'INVALID_STATE: not pending' })
  async approve(@Param() p: LeaveIdParam, @Req() req: Request): Promise<LeaveDto> {
    return LeaveDto.of(await this.leave.decide(p.id, 'approve', requestKey(req).name));
  }

  @ApiOperation({ summary: 'Reject a leave request' })
  @Post('leave/:id/reject')
  @HttpCode(200)
  @Roles(Role.Supervisor)
  @ApiOkResponse({ type: LeaveDto })
  @ApiErrors({ notFound: 'No such leave request', conflict: 'INVALID_STATE: not pending' })
  async reject(@Param() p: LeaveIdParam, @Req() req: Request): Promise<LeaveDto> {
    return LeaveDto.of(await this.leave.decide(p.id, 'reject', requestKey(req).name));
  }

  @ApiOperation({ summary: 'Cancel a leave request' })
  @Post('leave/:id/cancel')
  @HttpCode(200)
  @Roles(Role.Supervisor)
  @ApiOkResponse({ type: LeaveDto })
  @ApiErrors({ notFound: 'No such leave request', conflict: 'INVALID_STATE: already rejected or cancelled' })
  async cancel(@Param() p: LeaveIdParam, @Req() req: Request): Promise<LeaveDto> {
    return LeaveDto.of(await this.leave.decide(p.id, 'cancel', requestKey(req).name));
  }
}
