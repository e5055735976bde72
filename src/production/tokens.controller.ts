import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { DagRoutingService } from './dag-routing.service.js';
import { IdParam } from '../common/validation/params.dto.js';
import {
  CompleteTokenDto,
  MoveBodyDto,
  MovedTokenDto,
  RouteTokenDto,
  ScrapTokenDto,
  TokenDetailDto,
  TokenListQuery,
  TokenPageDto,
} from './dto/token.dto.js';
import { AccountsService } from './accounts.service.js';
import { TokenLifecycleService } from './token-lifecycle.service.js';
import { TokensService } from './tokens.service.js';
import { DataSource } from 'typeorm';

const MOVE_CONFLICTS =
  'CONCURRENT_UPDATE (another move won, or expectedVersion is stale), INVALID_STATE (wrong token status), NO_SUCH_EDGE, OUTCOME_REQUIRED';

@ApiTags('tokens')
@Controller('tokens')
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly lifecycle: TokenLifecycleService,
    private readonly routing: DagRoutingService,
    private readonly accounts: AccountsService,
    private readonly dataSource: DataSource,
  ) {}

  @Get()
  @Roles(Role.Viewer)
  @ApiOperation({ summary: 'List tokens by id, filtered; page on with nextCursor (stable while tokens are added)' })
  @ApiOkResponse({ type: TokenPageDto })
  @ApiErrors({ badRequest: 'Invalid filter, limit or cursor' })
  list(@Query() query: TokenListQuery): Promise<TokenPageDto> {
    const { limit, cursor, ...filters } = query;
    return this.tokens.list(filters, limit ?? 50, cursor);
  }

  @ApiOperation({ summary: 'Get a token with its history' })
  @Get(':id')
  @Roles(Role.Viewer)
  @ApiOkResponse({ type: TokenDetailDto })
  @ApiErrors({ notFound: 'No such token' })
  detail(@Param() { id }: IdParam): Promise<TokenDetailDto> {
    return this.tokens.detail(id);
  }

  @Post(':id/start')
  @HttpCode(200)
  @Roles(Role.Operator)
  @ApiOperation({ summary: 'Start work at the current node: waiting -> in_progress' })
  @ApiOkResponse({ type: MovedTokenDto })
  @ApiErrors({ notFound: 'No such token or operator', conflict: MOVE_CONFLICTS })
  async start(@Param() { id }: IdParam, @Body() body: MoveBodyDto): Promise<MovedTokenDto> {
    return MovedTokenDto.of(await this.lifecycle.start(id, body));
  }

  @Post(':id/complete')
  @HttpCode(200)
  @Roles(Role.Operator)
  @ApiOperation({
    summary: 'Complete the work at the current node and route the token on',
    description:
      'The token must be in_progress. It leaves by the only outgoing edge, or by the edge labelled `outcome` where the node branches; it is re-assigned at the next node, and finished (done) at an end node.',
  })
  @ApiOkResponse({ type: MovedTokenDto })
  @ApiErrors({ notFound: 'No such token or operator', conflict: MOVE_CONFLICTS })
  async complete(@Param() { id }: IdParam, @Body() body: CompleteTokenDto): Promise<MovedTokenDto> {
    return MovedTokenDto.of(await this.lifecycle.complete(id, body));
  }

  @Post(':id/route')
  @HttpCode(200)
  @Roles(Role.Operator)
  @ApiOperation({
    summary: 'Move a waiting or in-progress token to a node along an existing edge',
    description:
      'An outcome is required when the current node has several outgoing edges. The token is re-assigned at the target, and finished at an end node.',
  })
  @ApiOkResponse({ type: MovedTokenDto })
  @ApiErrors({ notFound: 'No such token or operator', conflict: MOVE_CONFLICTS })
  async route(@Param() { id }: IdParam, @Body() body: RouteTokenDto): Promise<MovedTokenDto> {
    const operatorId = body.operatorCode
      ? await this.accounts.operatorId(this.dataSource.manager, body.operatorCode)
      : null;
    return MovedTokenDto.of(
      await this.routing.routeToNode(id, body.toNodeId, {
        outcome: body.outcome,
        expectedVersion: body.expectedVersion,
        operatorId,
      }),
    );
  }

  @Post(':id/scrap')
  @HttpCode(200)
  @Roles(Role.Operator)
  @ApiOperation({ summary: 'Scrap a waiting or in-progress token' })
  @ApiOkResponse({ type: MovedTokenDto })
  @ApiErrors({ notFound: 'No such token or operator', conflict: MOVE_CONFLICTS })
  async scrap(@Param() { id }: IdParam, @Body() body: ScrapTokenDto): Promise<MovedTokenDto> {
    return MovedTokenDto.of(await this.lifecycle.scrap(id, body));
  }
}
