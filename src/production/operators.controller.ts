import { Body, Controller, Get, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { AccountsService } from './accounts.service.js';
import { ApiErrors } from '../common/http/api-errors.js';
import {
  CreateOperatorDto,
  CreateTeamDto,
  OperatorDto,
  TeamDto,
  TeamMembersDto,
  UpdateOperatorDto,
} from './dto/account.dto.js';
import { IdParam } from '../common/validation/params.dto.js';

/** The local account table (used while the People integration is off). */
@ApiTags('operators and teams')
@Controller('operators')
export class OperatorsController {
  constructor(private readonly accounts: AccountsService) {}

  @ApiOperation({ summary: 'Create an operator' })
  @Post()
  @Roles(Role.Supervisor)
  @ApiCreatedResponse({ type: OperatorDto })
  @ApiErrors({ conflict: 'CONFLICT: an operator with this code exists' })
  async create(@Body() body: CreateOperatorDto): Promise<OperatorDto> {
    return OperatorDto.of(await this.accounts.createOperator(body));
  }

  @ApiOperation({ summary: 'List operators' })
  @Get()
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: [OperatorDto] })
  async list(): Promise<OperatorDto[]> {
    return (await this.accounts.listOperators()).map((o) => OperatorDto.of(o));
  }

  @ApiOperation({ summary: 'Get an operator' })
  @Get(':id')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: OperatorDto })
  @ApiErrors({ notFound: 'No such operator' })
  async get(@Param() { id }: IdParam): Promise<OperatorDto> {
    return OperatorDto.of(await this.accounts.operator(id));
  }

  @ApiOperation({ summary: 'Update an operator' })
  @Patch(':id')
  @Roles(Role.Supervisor)
  @ApiOkResponse({ type: OperatorDto })
  @ApiErrors({ notFound: 'No such operator' })
  async update(@Param() { id }: IdParam, @Body() body: UpdateOperatorDto): Promise<OperatorDto> {
    return OperatorDto.of(await this.accounts.updateOperator(id, body));
  }
}

@ApiTags('operators and teams')
@Controller('teams')
export class TeamsController {
  constructor(private readonly accounts: AccountsService) {}

  @ApiOperation({ summary: 'Create a team' })
  @Post()
  @Roles(Role.Supervisor)
  @ApiCreatedResponse({ type: TeamDto })
  @ApiErrors({ conflict: 'CONFLICT: a team with this code exists' })
  async create(@Body() body: CreateTeamDto): Promise<TeamDto> {
    return TeamDto.of(await this.accounts.createTeam(body));
  }

  @ApiOperation({ summary: 'List teams' })
  @Get()
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: [TeamDto] })
  async list(): Promise<TeamDto[]> {
    return (await this.accounts.listTeams()).map((t) => TeamDto.of(t));
  }

  @ApiOperation({ summary: 'Get a team with its members' })
  @Get(':id')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: TeamDto })
  @ApiErrors({ notFound: 'No such team' })
  async get(@Param() { id }: IdParam): Promise<TeamDto> {
    return TeamDto.of(await this.accounts.team(id));
  }

  @ApiOperation({ summary: "Replace a team's members" })
  @Put(':id/members')
  @Roles(Role.Supervisor)
  @ApiOkResponse({ type: TeamDto })
  @ApiErrors({ notFound: 'No such team', badRequest: 'Invalid input or unknown operator codes' })
  async setMembers(@Param() { id }: IdParam, @Body() body: TeamMembersDto): Promise<TeamDto> {
    return TeamDto.of(await this.accounts.setMembers(id, body.memberCodes));
  }
}
