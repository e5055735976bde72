import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProperty,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { requestKey } from '../../common/auth/request-key.js';
import { Roles } from '../../common/auth/auth.decorators.js';
import { Role } from '../../common/auth/role.js';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
import { JobRun } from '../jobs/job-run.entity.js';
import { JobRunSummaryDto, JobStatusDto, PhaseStatusDto, RetentionTableDto, StopResultDto } from '../dto/admin.dto.js';
import { RetentionService, type TableState } from '../retention/retention.service.js';
import { JobsService, JobStatus, StopResult } from '../jobs/jobs.service.js';
import { PhaseStatus, PhaseStatusService } from './phase-status.service.js';

class JobNameParam {
  @ApiProperty({ example: 'people-sync-operators' })
  @Matches(/^[a-z0-9-]{1,100}$/, { message: 'name must be lower-case letters, digits and dashes' })
  name!: string;
}

class ReasonDto {
  @ApiProperty({ minLength: 3, maxLength: 500 })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason!: string;
}

@ApiTags('admin: phases')
@Controller('admin')
export class PhasesController {
  constructor(
    private readonly status: PhaseStatusService,
    private readonly jobs: JobsService,
    private readonly retention: RetentionService,
  ) {}

  @ApiOperation({ summary: "Retention of every growing table, the core's and the phases'" })
  @Get('retention')
  @Roles(Role.Supervisor)
  @ApiOkResponse({
    type: [RetentionTableDto],
    description: 'Per table: days kept (or off), archived first, rows, bytes, oldest row, next purge',
  })
  retentionState(): Promise<TableState[]> {
    return this.retention.state();
  }

  @ApiOperation({ summary: 'Status of every phase' })
  @Get('phases')
  @Roles(Role.Supervisor)
  @ApiOkResponse({
    type: [PhaseStatusDto],
    description: 'Per phase: flags, jobs, schema, owned tables with row counts, work in flight, last rollback',
  })
  phases(): Promise<PhaseStatus[]> {
    return this.status.all();
  }

  @ApiOperation({ summary: "List the phases' jobs and the core's" })
  @Get('jobs')
  @Roles(Role.Supervisor)
  @ApiOkResponse({
    type: [JobStatusDto],
    description:
      "Every job the scheduler runs, the phases' and then the core's (phase 0, no flag, such as retention): stopped, running (lease holder), last run, next run",
  })
  list(): Promise<JobStatus[]> {
    return Promise.all(this.jobs.scheduled().map((job) => this.jobs.status(job.name)));
  }

  @ApiOperation({ summary: "List a job's recent runs" })
  @Get('jobs/:name/runs')
  @Roles(Role.Supervisor)
  @ApiOkResponse({ type: [JobRunSummaryDto], description: 'The 20 most recent runs, newest first' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  runs(@Param() p: JobNameParam): Promise<JobRun[]> {
    return this.jobs.recentRuns(p.name);
  }

  @ApiOperation({ summary: 'Run a job now' })
  @Post('jobs/:name/run')
  @Roles(Role.Admin)
  @ApiOkResponse({ type: JobRunSummaryDto, description: 'The finished run' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Already running on some replica' })
  run(@Param() p: JobNameParam): Promise<JobRun> {
    return this.jobs.runNow(p.name);
  }

  @ApiOperation({ summary: 'Stop a job on every replica' })
  @Post('jobs/:name/stop')
  @HttpCode(200)
  @Roles(Role.Admin)
  @ApiOkResponse({ type: StopResultDto, description: 'Stopped on every replica; waited (bounded) for a run in flight' })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  stop(@Param() p: JobNameParam, @Body() body: ReasonDto, @Req() req: Request): Promise<StopResult> {
    return this.jobs.stop(p.name, { actor: requestKey(req).name, reason: body.reason, requestId: req.id });
  }

  @ApiOperation({ summary: 'Resume a stopped job' })
  @Post('jobs/:name/resume')
  @HttpCode(204)
  @Roles(Role.Admin)
  @ApiNoContentResponse({ description: 'Scheduled ticks run again on every replica' })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async resume(@Param() p: JobNameParam, @Body() body: ReasonDto, @Req() req: Request): Promise<void> {
    await this.jobs.resume(p.name, { actor: requestKey(req).name, reason: body.reason, requestId: req.id });
  }
}
