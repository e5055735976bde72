import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { CancelJobDto, CreateJobDto, JobDto, JobListQuery, SpawnResultDto } from './dto/job.dto.js';
import { IdParam } from '../common/validation/params.dto.js';
import { JobsService } from './jobs.service.js';
import { TokenLifecycleService } from './token-lifecycle.service.js';

@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly lifecycle: TokenLifecycleService,
  ) {}

  @Post()
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: 'Create a job ticket (status planned)' })
  @ApiCreatedResponse({ type: JobDto })
  @ApiErrors({ notFound: 'No such graph', conflict: 'CONFLICT: a job with this code exists' })
  async create(@Body() body: CreateJobDto): Promise<JobDto> {
    return JobDto.of(await this.jobs.create(body));
  }

  @ApiOperation({ summary: 'List job tickets' })
  @Get()
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: [JobDto] })
  @ApiErrors({})
  async list(@Query() query: JobListQuery): Promise<JobDto[]> {
    return (await this.jobs.list(query.status)).map((j) => JobDto.of(j));
  }

  @ApiOperation({ summary: 'Get a job ticket' })
  @Get(':id')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: JobDto })
  @ApiErrors({ notFound: 'No such job' })
  async get(@Param() { id }: IdParam): Promise<JobDto> {
    return JobDto.of(await this.jobs.get(id));
  }

  @Post(':id/release')
  @HttpCode(200)
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: 'planned -> released' })
  @ApiOkResponse({ type: JobDto })
  @ApiErrors({ notFound: 'No such job', conflict: 'INVALID_STATE: the job is not planned' })
  async release(@Param() { id }: IdParam): Promise<JobDto> {
    return JobDto.of(await this.jobs.release(id));
  }

  @Post(':id/spawn')
  @HttpCode(200)
  @Roles(Role.Supervisor)
  @ApiOperation({
    summary: "Create the job's tokens at the start node (released -> in_progress), assigned by the plans",
  })
  @ApiOkResponse({ type: SpawnResultDto })
  @ApiErrors({
    notFound: 'No such job',
    conflict:
      'ALREADY_SPAWNED (also while another spawn of the job runs), INVALID_STATE when the job is not released, ' +
      'CONFLICT when another token has one of its serials, CONCURRENT_UPDATE when the job changed during the spawn; ' +
      'nothing is spawned',
  })
  spawn(@Param() { id }: IdParam): Promise<SpawnResultDto> {
    return this.lifecycle.spawnTokens(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: 'Cancel the job; the open tokens of a job in progress are scrapped' })
  @ApiOkResponse({ type: JobDto })
  @ApiErrors({ notFound: 'No such job', conflict: 'INVALID_STATE: the job is done or cancelled already' })
  async cancel(@Param() { id }: IdParam, @Body() body: CancelJobDto): Promise<JobDto> {
    return JobDto.of(await this.jobs.cancel(id, body.reason));
  }
}
