import type { ErrorCode } from '../common/errors/error-code.js';
import type { TokenStatus } from './entities/token.entity.js';

export interface ScanInput {
  stationCode: string;
  barcode: string;
  /** Outcome used when the scan completes work at a node with several outgoing edges. */
  outcome: string;
  operatorCode?: string;
}

/** What a scan did; stored with the scan so a repeated scan gets the same answer. */
export interface ScanResult {
  /** `manual`, or the name of the pre-handler that took the scan. */
  handledBy: string;
  /** `started`, `completed` or `finished` on the manual path; a pre-handler names its own. */
  action: string;
  token: { id: number; serial: string; status: TokenStatus; nodeCode: string; version: number } | null;
  /** On completion, the node the token left and the edge outcome taken. */
  fromNodeCode?: string;
  outcome?: string | null;
  message?: string;
  /**
   * Set by a pre-handler whose answer is a refusal that still counts as a scan (OEM's
   * NO_RULE): the scan and this answer are committed, then the client gets the error, and a
   * repeat inside the window gets it again.
   */
  refusal?: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}
