import type { JobRef, NodeRef, TokenRef } from '../../production/production.types.js';
import type { ScanInput } from '../../production/scan.types.js';
import type { FlagContext } from './flag-rules.js';

/**
 * A scan's context: its station, and the scanned serial as the bucketing key, so each token
 * keeps one path at every station it passes.
 */
export function scanContext(scan: ScanInput): FlagContext {
  return { targetingKey: scan.barcode, token: scan.barcode, station: scan.stationCode };
}

/**
 * A spawn's or a route's context. The bucketing key is the job code: a spawn decides once for
 * all its tokens, and every token of a job stays on one path along its whole route. `graph` is
 * the production graph's id.
 */
export function workContext(tokens: readonly TokenRef[], node: NodeRef, job: JobRef): FlagContext {
  return {
    targetingKey: job.code,
    job: job.code,
    product: job.productCode,
    graph: String(node.graphId),
    node: node.code,
    ...(node.stationCode === null ? {} : { station: node.stationCode }),
    ...(tokens.length === 1 ? { token: tokens[0].serial } : {}),
  };
}
