import { Body, Controller, Get, HttpCode, Post, Put, Query, Req } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import type { Request } from 'express';
import { Roles } from '../common/auth/auth.decorators.js';
import { requestKey } from '../common/auth/request-key.js';
import { Role } from '../common/auth/role.js';
import { ErrorResponseDto } from '../common/errors/error-response.dto.js';
import { JobRunSummaryDto } from '../phases/dto/admin.dto.js';
import { JobsService } from '../phases/jobs/jobs.service.js';
import {
  AvailabilityQuery,
  MaskingPoliciesDto,
  MaskingPolicyDto,
  OperatorsQuery,
  PageQuery,
  PeopleAvailabilityPageDto,
  PeopleOperatorPageDto,
  PeopleTeamPageDto,
  RunSyncDto,
  SyncErrorDto,
  SyncErrorsQuery,
  SyncStatusDto,
  UpdateMaskingPoliciesDto,
} from './dto/people.dto.js';
import { MaskingPolicyService } from './masking-policy.service.js';
import { PeopleCacheService } from './people-cache.service.js';
import { PeopleStatusService } from './people-status.service.js';
import { PeopleSyncService } from './people-sync.service.js';
import { SyncErrorLog } from './sync-error-log.service.js';

const DEFAULT_LIMIT = 100;

/** Phase 9's read API over the People caches (masked at ingest), its sync jobs and its masking policy. */
@ApiTags('people (phase 9)')
@Controller('people')
export class PeopleController {
  constructor(
    private readonly cache: PeopleCacheService,
    private readonly status: PeopleStatusService,
    private readonly errors: SyncErrorLog,
    private readonly policies: MaskingPolicyService,
    private readonly sync: PeopleSyncService,
    private readonly jobs: JobsService,
  ) {}

  @ApiOperation({ summary: 'List cached People operators (masked)' })
  @Get('operators')
  @Roles(Role.Supervisor)
  @ApiOkResponse({ type: PeopleOperatorPageDto, description: 'Cached operators, masked, by id; page with nextCursor' })
  operators(@Query() q: OperatorsQuery): Promise<PeopleOperatorPageDto> {
    return this.cache.operators({ active: q.active, employeeNo: q.employeeNo }, q.cursor, q.limit ?? DEFAULT_LIMIT);
  }

  @ApiOperation({ summary: 'List cached People teams' })
  @Get('teams')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: PeopleTeamPageDto })
  teams(@Query() q: PageQuery): Promise<PeopleTeamPageDto> {
    return this.cache.teams(q.cursor, q.limit ?? DEFAULT_LIMIT);
  }

  @ApiOperation({ summary: 'List cached People availability' })
  @Get('availability')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: PeopleAvailabilityPageDto })
  availability(@Query() q: AvailabilityQuery): Promise<PeopleAvailabilityPageDto> {
    const filter = { operatorId: q.operatorId, from: q.from, to: q.to };
    return this.cache.availability(filter, q.cursor, q.limit ?? DEFAULT_LIMIT);
  }

  @ApiOperation({ summary: 'Status of the People sync jobs' })
  @Get('sync-status')
  @Roles(Role.Viewer)
  @ApiOkResponse({
    type: SyncStatusDto,
    description: 'Per sync job: last run with counts, watermark, cache age, fresh, stale or empty',
  })
  syncStatus(): Promise<SyncStatusDto> {
    return this.status.status();
  }

  @ApiOperation({ summary: 'List People sync errors' })
  @Get('sync-errors')
  @Roles(Role.Supervisor)
  @ApiOkResponse({ type: [SyncErrorDto], description: 'Newest first; page with `before`' })
  syncErrors(@Query() q: SyncErrorsQuery): Promise<SyncErrorDto[]> {
    return this.errors.list({ jobName: q.job, beforeId: q.before }, q.limit ?? DEFAULT_LIMIT);
  }

  @ApiOperation({ summary: 'Run a People sync job now' })
  @Post('sync/run')
  @HttpCode(200)
  @Roles(Role.Admin)
  @ApiOkResponse({
    type: JobRunSummaryDto,
    description: 'The finished run: succeeded or failed, with its counts or error',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown job (its phase is not registered)' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'CONFLICT: the job is running (here or on another replica)',
  })
  runSync(@Body() body: RunSyncDto): Promise<JobRunSummaryDto> {
    return this.jobs.runNow(body.job);
  }

  @ApiOperation({ summary: 'Get the People masking policy' })
  @Get('masking-policies')
  @Roles(Role.Admin)
  @ApiOkResponse({
    type: [MaskingPolicyDto],
    description: 'One rule per personal field; a field without a stored rule is kept',
  })
  maskingPolicies(): Promise<MaskingPolicyDto[]> {
    return this.policies.list();
  }

  @ApiOperation({ summary: 'Change the People masking policy' })
  @Put('masking-policies')
  @Roles(Role.Admin)
  @ApiOkResponse({
    type: MaskingPoliciesDto,
    description: 'The whole policy after the change; a real change makes the next operator sync full',
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'UNSAFE_REQUEST: the hash strategy while PEOPLE_HASH_KEY is empty',
  })
  async updateMaskingPolicies(
    @Body() body: UpdateMaskingPoliciesDto,
    @Req() req: Request,
  ): Promise<MaskingPoliciesDto> {
    const changed = await this.policies.update(body.policies, requestKey(req).name);
    const [policies, plan] = await Promise.all([this.policies.list(), this.sync.operatorPlan()]);
    return { policies, changed, nextOperatorSyncFull: plan.full };
  }
}
