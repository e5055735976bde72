import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { IdParam } from '../common/validation/params.dto.js';
import { PhaseSchemaRoutes } from '../phases/phase-schema.interceptor.js';
import { CreateRuleDto, PATTERN_HELP, RuleDto, RuleListQuery, UpdateRuleDto } from './dto/rule.dto.js';
import { OemRulesService } from './oem-rules.service.js';
import { OEM_PHASE, SCHEMA_CONFLICT } from './oem-flags.js';

const BAD_PATTERN = `Invalid input, or a pattern that does not compile, is too long or too complex, or names other groups. ${PATTERN_HELP}`;

@ApiTags('oem')
@Controller('oem/rules')
@PhaseSchemaRoutes(OEM_PHASE)
export class OemRulesController {
  constructor(private readonly rules: OemRulesService) {}

  @Post()
  @Roles(Role.Supervisor)
  @ApiOperation({
    summary: 'Add a station scan rule: in OEM mode a station tries its active rules by priority (higher first)',
  })
  @ApiCreatedResponse({ type: RuleDto })
  @ApiErrors({ badRequest: BAD_PATTERN, conflict: SCHEMA_CONFLICT })
  async create(@Body() body: CreateRuleDto): Promise<RuleDto> {
    return RuleDto.of(await this.rules.create(body));
  }

  @Get()
  @Roles(Role.Viewer)
  @ApiOperation({ summary: 'Scan rules by station, in the order a scan tries them' })
  @ApiOkResponse({ type: [RuleDto] })
  @ApiErrors({ conflict: SCHEMA_CONFLICT })
  async list(@Query() query: RuleListQuery): Promise<RuleDto[]> {
    return (await this.rules.list(query.stationCode)).map((r) => RuleDto.of(r));
  }

  @ApiOperation({ summary: 'Get a scan rule' })
  @Get(':id')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: RuleDto })
  @ApiErrors({ notFound: 'No such rule', conflict: SCHEMA_CONFLICT })
  async get(@Param() { id }: IdParam): Promise<RuleDto> {
    return RuleDto.of(await this.rules.get(id));
  }

  @ApiOperation({ summary: 'Update a scan rule' })
  @Patch(':id')
  @Roles(Role.Supervisor)
  @ApiOkResponse({ type: RuleDto })
  @ApiErrors({ badRequest: BAD_PATTERN, notFound: 'No such rule', conflict: SCHEMA_CONFLICT })
  async update(@Param() { id }: IdParam, @Body() body: UpdateRuleDto): Promise<RuleDto> {
    return RuleDto.of(await this.rules.update(id, body));
  }

  @ApiOperation({ summary: 'Delete a scan rule' })
  @Delete(':id')
  @HttpCode(204)
  @Roles(Role.Supervisor)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ notFound: 'No such rule', conflict: SCHEMA_CONFLICT })
  async remove(@Param() { id }: IdParam): Promise<void> {
    await this.rules.remove(id);
  }
}
