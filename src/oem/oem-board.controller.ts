import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { PhaseSchemaRoutes } from '../phases/phase-schema.interceptor.js';
import { KanbanDto, KanbanQuery, ShadowReportDto, ShadowReportQuery } from './dto/board.dto.js';
import { OemKanbanService } from './oem-kanban.service.js';
import { OEM_PHASE, SCHEMA_CONFLICT } from './oem-flags.js';
import { OemShadowService } from './oem-shadow.service.js';

@ApiTags('oem')
@Controller('oem')
@PhaseSchemaRoutes(OEM_PHASE)
export class OemBoardController {
  constructor(
    private readonly kanban: OemKanbanService,
    private readonly shadow: OemShadowService,
  ) {}

  @Get('kanban')
  @Roles(Role.Viewer)
  @ApiOperation({
    summary:
      'Open OEM tickets as a Kanban: a column per current step, cards with due date and late flag (two queries whatever the ticket count)',
  })
  @ApiOkResponse({ type: KanbanDto })
  @ApiErrors({ conflict: SCHEMA_CONFLICT })
  board(@Query() query: KanbanQuery): Promise<KanbanDto> {
    return this.kanban.board(query.customer, query.limit ?? 100);
  }

  @Get('shadow-report')
  @Roles(Role.Viewer)
  @ApiOperation({
    summary: 'What the shadow run found: agreement rate, discrepancies by kind, examples',
    description:
      'With `oem_shadow_run` on and `enable_oem_mode` off, every accepted scan runs in manual mode while the OEM plan for it is recorded beside what manual mode did, or beside its refusal. OEM plans are made against the step progress OEM mode would have made of each ticket during the run.',
  })
  @ApiOkResponse({ type: ShadowReportDto })
  @ApiErrors({ conflict: SCHEMA_CONFLICT })
  report(@Query() query: ShadowReportQuery): Promise<ShadowReportDto> {
    return this.shadow.report(query.since ?? null, query.examples ?? 5);
  }
}
