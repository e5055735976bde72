import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { FloorJobsQuery, JobProgressDto, LineDto } from './dto/floor.dto.js';
import { IdParam } from '../common/validation/params.dto.js';
import { FloorService } from './floor.service.js';

/** Read-only views for the shop-floor console, computed from the core tables whatever phase is on. */
@ApiTags('floor')
@Controller('floor')
export class FloorController {
  constructor(private readonly floor: FloorService) {}

  @Get('lines/:id')
  @Roles(Role.Viewer)
  @ApiOperation({
    summary: "A graph's live load: per node, tokens waiting, in progress and finished in the last hour; the bottleneck",
  })
  @ApiOkResponse({ type: LineDto })
  @ApiErrors({ notFound: 'No such graph' })
  line(@Param() { id }: IdParam): Promise<LineDto> {
    return this.floor.line(id);
  }

  @Get('jobs')
  @Roles(Role.Viewer)
  @ApiOperation({
    summary: 'Jobs, newest first, filtered, with their progress (tokens done and scrapped) and whether they are late',
  })
  @ApiOkResponse({ type: [JobProgressDto] })
  @ApiErrors({})
  jobs(@Query() { limit, ...filters }: FloorJobsQuery): Promise<JobProgressDto[]> {
    return this.floor.jobs(filters, limit ?? 200);
  }
}
