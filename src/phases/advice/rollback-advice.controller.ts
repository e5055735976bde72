import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../common/auth/auth.decorators.js';
import { Role } from '../../common/auth/role.js';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
import { parseMinutes } from './advice-window.js';
import { AdviceQuery, AdviceReportDto } from './dto/advice.dto.js';
import { RollbackAdviceService, type AdviceReport } from './rollback-advice.service.js';

@ApiTags('admin: rollbacks')
@Controller('admin/rollback')
export class RollbackAdviceController {
  constructor(private readonly advice: RollbackAdviceService) {}

  @ApiOperation({
    summary: "The factory's rollback decision tree over each phase's telemetry",
    description:
      'Emergency, planned rollback, pause, fix forward or no action per phase, with the rule that decided, every guardrail measured (rates, deviations, thresholds) and the window read',
  })
  @Get('advice')
  @Roles(Role.Supervisor)
  @ApiOkResponse({ type: AdviceReportDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A phase, window or fix estimate out of range' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such phase' })
  advise(@Query() q: AdviceQuery): Promise<AdviceReport> {
    return this.advice.advise({
      phase: q.phase,
      windowMinutes: q.window === undefined ? undefined : parseMinutes(q.window, 'window'),
      fixEtaMinutes: q.fixEta === undefined ? undefined : parseMinutes(q.fixEta, 'fixEta'),
    });
  }
}
