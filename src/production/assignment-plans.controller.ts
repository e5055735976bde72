import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { AssignmentPlansService } from './assignment-plans.service.js';
import { PlanDto, PlanTargetDto } from './dto/assignment.dto.js';
import { IdParam, JobNodeParams } from '../common/validation/params.dto.js';

/** Manual assignment: a plan per node, and per job an override per node. */
@ApiTags('assignment plans')
@Controller()
export class AssignmentPlansController {
  constructor(private readonly plans: AssignmentPlansService) {}

  @Put('nodes/:id/assignment')
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: 'Plan who works at a node (an operator or a team); replaces the previous plan' })
  @ApiOkResponse({ type: PlanDto })
  @ApiErrors({ notFound: 'No such node, operator or team' })
  async setNodePlan(@Param() { id }: IdParam, @Body() body: PlanTargetDto): Promise<PlanDto> {
    return PlanDto.of(await this.plans.setNodePlan(id, body));
  }

  @ApiOperation({ summary: "Get a node's assignment plan" })
  @Get('nodes/:id/assignment')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: PlanDto })
  @ApiErrors({ notFound: 'No such node, or no plan for it' })
  async nodePlan(@Param() { id }: IdParam): Promise<PlanDto> {
    const plan = await this.plans.nodePlan(id);
    if (!plan) throw DomainError.notFound('Assignment plan for node', id);
    return PlanDto.of(plan);
  }

  @ApiOperation({ summary: "Clear a node's assignment plan" })
  @Delete('nodes/:id/assignment')
  @HttpCode(204)
  @Roles(Role.Supervisor)
  @ApiNoContentResponse({ description: 'The node has no plan now' })
  @ApiErrors({ notFound: 'No such node' })
  async clearNodePlan(@Param() { id }: IdParam): Promise<void> {
    await this.plans.clearNodePlan(id);
  }

  @ApiOperation({ summary: "List a job's per-node assignment overrides" })
  @Get('jobs/:id/assignments')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: [PlanDto] })
  @ApiErrors({ notFound: 'No such job' })
  async jobOverrides(@Param() { id }: IdParam): Promise<PlanDto[]> {
    return (await this.plans.jobOverrides(id)).map((p) => PlanDto.of(p));
  }

  @Put('jobs/:id/assignments/:nodeId')
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: "Override the node's plan for one job" })
  @ApiOkResponse({ type: PlanDto })
  @ApiErrors({
    notFound: 'No such job, node, operator or team',
    conflict: "INVALID_STATE: the node is not in the job's graph",
  })
  async setJobOverride(@Param() { id, nodeId }: JobNodeParams, @Body() body: PlanTargetDto): Promise<PlanDto> {
    return PlanDto.of(await this.plans.setJobOverride(id, nodeId, body));
  }

  @ApiOperation({ summary: "Clear a job's override for one node" })
  @Delete('jobs/:id/assignments/:nodeId')
  @HttpCode(204)
  @Roles(Role.Supervisor)
  @ApiNoContentResponse({ description: 'Override removed' })
  @ApiErrors({ notFound: 'No such override' })
  async clearJobOverride(@Param() { id, nodeId }: JobNodeParams): Promise<void> {
    await this.plans.clearJobOverride(id, nodeId);
  }
}
