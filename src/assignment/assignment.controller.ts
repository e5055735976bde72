import { Controller, Get, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiOperation, ApiPayloadTooLargeResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { ErrorResponseDto } from '../common/errors/error-response.dto.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { PhaseSchemaRoutes } from '../phases/phase-schema.interceptor.js';
import { AssignmentComparisonService, COMPARE_PAGE_LIMIT } from './assignment-comparison.service.js';
import { AssignmentLogService } from './assignment-log.service.js';
import { AssignmentPreviewService } from './assignment-preview.service.js';
import {
  assigneeOf,
  CandidateDto,
  CompareQuery,
  ComparisonDto,
  LogEntryDto,
  LogPageDto,
  LogQuery,
  PreviewDto,
  PreviewQuery,
} from './dto/insight.dto.js';

/** Read-only views of automatic assignment: preview, audit log, comparison with the manual plan. */
@ApiTags('assignment')
@Controller('assignment')
@PhaseSchemaRoutes(7)
export class AssignmentController {
  constructor(
    private readonly previews: AssignmentPreviewService,
    private readonly log: AssignmentLogService,
    private readonly comparisons: AssignmentComparisonService,
  ) {}

  @Get('preview')
  @Roles(Role.Viewer)
  @ApiOperation({ summary: 'The ranked candidates for a token at a node, with scores and exclusions; writes nothing' })
  @ApiOkResponse({ type: PreviewDto })
  @ApiErrors({ notFound: 'No such token or node' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description:
      "FEATURE_DISABLED: enable_assignment_preview is off; INVALID_STATE: the node is not in the token's graph",
  })
  async preview(@Query() q: PreviewQuery): Promise<PreviewDto> {
    const p = await this.previews.preview(q.tokenId, q.nodeId);
    return {
      tokenId: p.tokenId,
      nodeId: p.nodeId,
      at: p.at,
      directory: p.directory,
      chosen: p.chosen ? assigneeOf({ accountId: p.chosen.operatorId, teamId: p.chosen.teamId }) : null,
      candidates: p.candidates.map((c) => CandidateDto.of(c)),
    };
  }

  @Get('log')
  @Roles(Role.Viewer)
  @ApiOperation({ summary: 'Assignment decisions, newest first, filtered by token, operator, method and time' })
  @ApiOkResponse({ type: LogPageDto })
  @ApiErrors({})
  async list(@Query() q: LogQuery): Promise<LogPageDto> {
    const { tokenId, operatorId, method, from, to, cursor, limit } = q;
    const page = await this.log.list({ tokenId, operatorId, method, from, to, cursor, limit: limit ?? 100 });
    return { items: page.items.map((l) => LogEntryDto.of(l)), nextCursor: page.nextCursor };
  }

  @Get('compare')
  @Roles(Role.Viewer)
  @ApiOperation({
    summary:
      "Automatic vs manual assignment for a job's tokens: fill rate, fairness, differences, violations; writes nothing",
    description:
      'The figures cover the whole job on every page; `details` lists one page of tokens by id (default 500, at most 2000), `nextCursor` leads to the next. Each page decides the whole job again, in steps that let other requests run, so pages of a job that changes meanwhile may disagree; each token that stays open appears on exactly one page.',
  })
  @ApiOkResponse({ type: ComparisonDto })
  @ApiErrors({ notFound: 'No such job', badRequest: 'Invalid jobId or limit, or a cursor this API did not return' })
  @ApiPayloadTooLargeResponse({
    type: ErrorResponseDto,
    description:
      'WORK_LIMIT_EXCEEDED: the job has more tokens to compare than ASSIGNMENT_COMPARE_MAX_TOKENS (each page decides the whole job)',
  })
  async compare(@Query() q: CompareQuery): Promise<ComparisonDto> {
    const c = await this.comparisons.compare(q.jobId, {
      cursor: q.cursor,
      limit: q.limit ?? COMPARE_PAGE_LIMIT.default,
    });
    return {
      ...c,
      details: c.details.map((d) => ({ ...d, manual: assigneeOf(d.manual), automatic: assigneeOf(d.automatic) })),
    };
  }
}
