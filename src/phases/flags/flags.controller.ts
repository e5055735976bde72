import { Body, Controller, Get, Param, Put, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { requestKey } from '../../common/auth/request-key.js';
import { Roles } from '../../common/auth/auth.decorators.js';
import { Role } from '../../common/auth/role.js';
import { ErrorResponseDto } from '../../common/errors/error-response.dto.js';
import {
  FlagAuditDto,
  FlagAuditQuery,
  FlagKeyParam,
  FlagRulesAuditDto,
  FlagViewDto,
  SetFlagDto,
  SetFlagRulesDto,
} from '../dto/flag.dto.js';
import type { RulesAuditEntry } from './flag-rules.repository.js';
import { FeatureFlagAudit } from './feature-flag-audit.entity.js';
import { FlagsService, FlagView } from './flags.service.js';

@ApiTags('admin: flags')
@Controller('admin/flags')
@Roles(Role.Admin)
export class FlagsController {
  constructor(private readonly flags: FlagsService) {}

  @ApiOperation({ summary: 'List phase flags' })
  @Get()
  @ApiOkResponse({ type: [FlagViewDto], description: 'Every phase flag: stored value, effective value, kill switch' })
  list(): FlagView[] {
    return this.flags.list();
  }

  @ApiOperation({ summary: 'List the flag audit trail' })
  @Get('audit')
  @ApiOkResponse({ type: [FlagAuditDto], description: 'Newest first; page with `before`' })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  history(@Query() q: FlagAuditQuery): Promise<FeatureFlagAudit[]> {
    return this.flags.audit(q);
  }

  @ApiOperation({ summary: "List the audit trail of the flags' targeting rules" })
  @Get('rules/audit')
  @ApiOkResponse({ type: [FlagRulesAuditDto], description: 'Newest first, old and new rules; page with `before`' })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  rulesHistory(@Query() q: FlagAuditQuery): Promise<RulesAuditEntry[]> {
    return this.flags.rulesAudit(q);
  }

  @ApiOperation({ summary: "Replace a flag's targeting rules (an empty list clears them), with a reason" })
  @Put(':key/rules')
  @ApiOkResponse({ type: FlagViewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Bad rules (per field) or missing reason' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown flag' })
  setRules(@Param() p: FlagKeyParam, @Body() body: SetFlagRulesDto, @Req() req: Request): Promise<FlagView> {
    return this.flags.setRules(p.key, body.rules, {
      actor: requestKey(req).name,
      reason: body.reason,
      requestId: req.id,
    });
  }

  @ApiOperation({ summary: 'Turn a flag on or off, with a reason' })
  @Put(':key')
  @ApiOkResponse({ type: FlagViewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Missing reason or bad value' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown flag' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: "SCHEMA_NOT_APPLIED: the flag's phase schema is reverted",
  })
  set(@Param() p: FlagKeyParam, @Body() body: SetFlagDto, @Req() req: Request): Promise<FlagView> {
    return this.flags.set(p.key, body.enabled, { actor: requestKey(req).name, reason: body.reason, requestId: req.id });
  }
}
