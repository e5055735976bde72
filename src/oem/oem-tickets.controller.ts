import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { IdParam } from '../common/validation/params.dto.js';
import { PhaseSchemaRoutes } from '../phases/phase-schema.interceptor.js';
import { CreateTicketDto, TicketDetailDto, TicketDto, TicketListQuery, TicketPageDto } from './dto/ticket.dto.js';
import { OEM_PHASE, SCHEMA_CONFLICT } from './oem-flags.js';
import { OemTicketsService } from './oem-tickets.service.js';

@ApiTags('oem')
@Controller('oem/tickets')
@PhaseSchemaRoutes(OEM_PHASE)
export class OemTicketsController {
  constructor(private readonly tickets: OemTicketsService) {}

  @Post()
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: 'Create an OEM job ticket with its steps (status open, step 1 current)' })
  @ApiCreatedResponse({ type: TicketDetailDto })
  @ApiErrors({
    badRequest:
      "Invalid input, step sequences not 1..n without repeats, a mapped node missing from the job's graph, or a mapped step without jobId",
    notFound: 'No such job',
    conflict: `CONFLICT: the customer has a ticket with this reference, or the job is linked to another ticket; ${SCHEMA_CONFLICT}`,
  })
  async create(@Body() body: CreateTicketDto): Promise<TicketDetailDto> {
    return TicketDetailDto.detail(await this.tickets.create(body));
  }

  @Get()
  @Roles(Role.Viewer)
  @ApiOperation({ summary: 'OEM tickets, newest first, a page at a time' })
  @ApiOkResponse({ type: TicketPageDto })
  @ApiErrors({ conflict: SCHEMA_CONFLICT })
  async list(@Query() query: TicketListQuery): Promise<TicketPageDto> {
    const page = await this.tickets.list(query);
    return { items: page.items.map((t) => TicketDto.of(t)), nextCursor: page.nextCursor };
  }

  @ApiOperation({ summary: 'Get an OEM ticket with its steps' })
  @Get(':id')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: TicketDetailDto })
  @ApiErrors({ notFound: 'No such OEM ticket', conflict: SCHEMA_CONFLICT })
  async get(@Param() { id }: IdParam): Promise<TicketDetailDto> {
    return TicketDetailDto.detail(await this.tickets.get(id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles(Role.Supervisor)
  @ApiOperation({
    summary:
      'Cancel an open or in-progress ticket; later scans of it answer 409 INVALID_STATE. The linked job is not touched.',
  })
  @ApiOkResponse({ type: TicketDetailDto })
  @ApiErrors({
    notFound: 'No such OEM ticket',
    conflict: `INVALID_STATE: the ticket is done or cancelled already; ${SCHEMA_CONFLICT}`,
  })
  async cancel(@Param() { id }: IdParam): Promise<TicketDetailDto> {
    return TicketDetailDto.detail(await this.tickets.cancel(id));
  }
}
