import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { ErrorResponseDto } from '../common/errors/error-response.dto.js';
import { FlagsService } from '../phases/flags/flags.service.js';
import { JobsService } from '../phases/jobs/jobs.service.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { present } from '../common/present.js';
import { DashboardQueryService } from './dashboard-query.service.js';
import { DASHBOARD_FLAG, REFRESH_JOB } from './dashboard.schema.js';
import {
  BottlenecksAnswerDto,
  CycleTimeQuery,
  CycleTimesAnswerDto,
  RefreshResultDto,
  TeamWorkloadAnswerDto,
  TokenFlowAnswerDto,
  TokenFlowQuery,
} from './dto/dashboard.dto.js';

const UNAVAILABLE = {
  type: ErrorResponseDto,
  description: 'DATA_UNAVAILABLE ("Data unavailable"): the dashboard is switched off',
};

@ApiTags('dashboard')
@Controller('dashboard')
export class DashboardController {
  constructor(
    private readonly reader: DashboardQueryService,
    private readonly flags: FlagsService,
    private readonly jobs: JobsService,
  ) {}

  @Get('token-flow')
  @Roles(Role.Viewer)
  @ApiOperation({
    summary: 'Per node and UTC hour: tokens entered, exited, scrapped, and work in progress at the hour end',
  })
  @ApiOkResponse({ type: TokenFlowAnswerDto })
  @ApiErrors({ badRequest: 'Invalid from, to or nodeId' })
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  tokenFlow(@Query() query: TokenFlowQuery): Promise<TokenFlowAnswerDto> {
    return this.reader.tokenFlow(query);
  }

  @Get('bottlenecks')
  @Roles(Role.Viewer)
  @ApiOperation({ summary: 'Per node, worst first: queue now, wait and processing times over the window' })
  @ApiOkResponse({ type: BottlenecksAnswerDto })
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  bottlenecks(): Promise<BottlenecksAnswerDto> {
    return this.reader.bottlenecks();
  }

  @Get('team-workload')
  @Roles(Role.Viewer)
  @ApiOperation({ summary: 'Per team: tokens waiting and in progress, completions in the window, operators on shift' })
  @ApiOkResponse({ type: TeamWorkloadAnswerDto })
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  teamWorkload(): Promise<TeamWorkloadAnswerDto> {
    return this.reader.teamWorkload();
  }

  @Get('cycle-times')
  @Roles(Role.Viewer)
  @ApiOperation({ summary: 'Per product and UTC day: tokens finished with average, p50 and p90 spawn-to-finish time' })
  @ApiOkResponse({ type: CycleTimesAnswerDto })
  @ApiErrors({ badRequest: 'Invalid product, from or to' })
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  cycleTimes(@Query() query: CycleTimeQuery): Promise<CycleTimesAnswerDto> {
    return this.reader.cycleTimes(query);
  }

  @Post('refresh')
  @HttpCode(200)
  @Roles(Role.Admin)
  @ApiOperation({
    summary: 'Rebuild every view now from all history (one replica at a time)',
    description:
      'A self-check: the history views are first refreshed incrementally, then rebuilt in full and compared; rows that differ are logged and counted in counts.mismatches and dashboard_self_check_mismatches_total, and the full rebuild is kept',
  })
  @ApiOkResponse({ type: RefreshResultDto })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'FEATURE_DISABLED (the dashboard is off), or CONFLICT (a refresh is running)',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'UNAVAILABLE: the refresh failed; the previous data stays in place',
  })
  async refresh(): Promise<RefreshResultDto> {
    if (!this.flags.isEnabled(DASHBOARD_FLAG))
      throw new DomainError(ErrorCode.FeatureDisabled, `The dashboard is off: enable ${DASHBOARD_FLAG} first`);
    const run = await this.jobs.runNow(REFRESH_JOB);
    if (run.status !== 'succeeded') {
      throw new DomainError(
        ErrorCode.Unavailable,
        `Dashboard refresh failed: ${run.error}; the previous data stays in place`,
        { runId: run.id },
      );
    }
    return {
      runId: run.id,
      mode: 'full',
      startedAt: run.startedAt,
      finishedAt: present(run.finishedAt, `finished time of succeeded run #${run.id}`),
      counts: run.counts ?? {},
    };
  }
}
