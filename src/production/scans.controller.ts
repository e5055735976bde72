import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Roles } from '../common/auth/auth.decorators.js';
import { Role } from '../common/auth/role.js';
import { ErrorResponseDto } from '../common/errors/error-response.dto.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { ScanDto, ScanResultDto } from './dto/scan.dto.js';
import { ScansService, type ScanResponse } from './scans.service.js';

export const SCAN_SEMANTICS = [
  "The barcode is a token serial; the station must serve the token's current node.",
  'Each scan advances the token one step: a token **waiting** at the node is **started** (in_progress);',
  'a token **in_progress** is **completed** and routed to the next node, where it waits again, re-assigned by the plans',
  '(action `finished` when that node is an end node: the token is done).',
  "Where the node branches (a QC node with `pass` and `fail` edges) the scan body's `outcome` picks the edge; it defaults to `pass`.",
  'So a token crosses each node with two scans: one to start, one to complete.',
  'A repeat of an accepted scan (same station, same barcode) within SCAN_DEDUP_WINDOW_MS (default 5000 ms) advances nothing',
  "and answers 200 with the first scan's result and `duplicate: true`, on every replica.",
  'A scan that fails changes nothing and is not remembered.',
].join(' ');

@ApiTags('scans')
@Controller('scans')
export class ScansController {
  constructor(private readonly scans: ScansService) {}

  @Post()
  @HttpCode(200)
  @Roles(Role.Station, Role.Operator)
  @ApiOperation({
    summary: 'A station scan (manual mode): start, or complete and route on',
    description: SCAN_SEMANTICS,
  })
  @ApiOkResponse({ type: ScanResultDto })
  @ApiErrors({
    notFound: 'Unknown barcode (no token with this serial), or unknown operator',
    conflict:
      "WRONG_STATION: the token's node is served by another station; INVALID_STATE: the token is done or scrapped; NO_SUCH_EDGE: no edge for the outcome; CONCURRENT_UPDATE; " +
      "in OEM mode (Phase 8) STEP_OUT_OF_ORDER: the barcode names a step other than the ticket's current one, or its node is not where the token is",
  })
  @ApiUnprocessableEntityResponse({
    description:
      'NO_RULE (OEM mode): an OEM-looking barcode that no rule of this station takes; the scan is recorded and a repeat inside the window answers the same',
    type: ErrorResponseDto,
  })
  scan(@Body() body: ScanDto): Promise<ScanResponse> {
    return this.scans.scan({
      stationCode: body.stationCode,
      barcode: body.barcode,
      outcome: body.outcome ?? 'pass',
      operatorCode: body.operatorCode,
    });
  }
}
