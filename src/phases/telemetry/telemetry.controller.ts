import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth/auth.decorators.js';
import { Role } from '../../common/auth/role.js';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
import { TelemetryDto, TelemetryQuery } from '../dto/telemetry.dto.js';
import { TelemetryReadService, type TelemetryView } from './telemetry-read.service.js';

@ApiTags('admin: telemetry')
@Controller('admin/telemetry')
export class TelemetryController {
  constructor(private readonly reads: TelemetryReadService) {}

  @ApiOperation({ summary: "A phase's path telemetry (every replica's gated calls) and domain signals over time" })
  @Get()
  // counts and latencies only, no personal data: readable wherever the dashboards are
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: TelemetryDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Bad parameters, a range over 35 days or too many steps',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown phase' })
  read(@Query() q: TelemetryQuery): Promise<TelemetryView> {
    return this.reads.read(q.phase, q);
  }
}
