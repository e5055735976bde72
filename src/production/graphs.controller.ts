import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { CreateGraphDto, GraphBodyDto, GraphDto } from './dto/graph.dto.js';
import { IdParam } from '../common/validation/params.dto.js';
import { GraphsService } from './graphs.service.js';

const INVALID_GRAPH =
  'Invalid input, or not a valid DAG (a cycle, not exactly one start node, no end node, unreachable nodes, dead ends, duplicate or missing outcome labels): `errors` names the offending nodes and edges';

@ApiTags('graphs')
@Controller('graphs')
export class GraphsController {
  constructor(private readonly graphs: GraphsService) {}

  @Post()
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: 'Publish a production graph (validated as a DAG)' })
  @ApiCreatedResponse({ type: GraphDto })
  @ApiErrors({ badRequest: INVALID_GRAPH, conflict: 'CONFLICT: a graph with this code exists' })
  async create(@Body() body: CreateGraphDto): Promise<GraphDto> {
    return GraphDto.of(await this.graphs.create(body));
  }

  @ApiOperation({ summary: 'List production graphs' })
  @Get()
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: [GraphDto] })
  async list(): Promise<GraphDto[]> {
    return (await this.graphs.list()).map((g) => GraphDto.of(g));
  }

  @ApiOperation({ summary: 'Get a graph with its nodes and edges' })
  @Get(':id')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: GraphDto })
  @ApiErrors({ notFound: 'No such graph' })
  async get(@Param() { id }: IdParam): Promise<GraphDto> {
    return GraphDto.of(await this.graphs.get(id));
  }

  @Put(':id')
  @Roles(Role.Supervisor)
  @ApiOperation({ summary: 'Replace the nodes and edges of a graph no job uses yet' })
  @ApiOkResponse({ type: GraphDto })
  @ApiErrors({
    badRequest: INVALID_GRAPH,
    notFound: 'No such graph',
    conflict: 'GRAPH_IN_USE: a job uses the graph; publish a new one instead',
  })
  async replace(@Param() { id }: IdParam, @Body() body: GraphBodyDto): Promise<GraphDto> {
    return GraphDto.of(await this.graphs.replace(id, body));
  }

  @ApiOperation({ summary: 'Delete a graph no job uses' })
  @Delete(':id')
  @HttpCode(204)
  @Roles(Role.Supervisor)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({ notFound: 'No such graph', conflict: 'GRAPH_IN_USE: a job uses the graph' })
  async remove(@Param() { id }: IdParam): Promise<void> {
    await this.graphs.remove(id);
  }
}
