import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Counter } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import type { Environment } from '../config/environment.js';
import { AccountsService } from './accounts.service.js';
import { TokenStatus } from './entities/token.entity.js';
import { ScanHook } from './hooks/scan-hook.js';
import { ScanRecordRepository, type ScanKey } from './scan-record.repository.js';
import type { ScanInput, ScanResult } from './scan.types.js';
import { GraphTopologyCache } from './graph-topology.js';
import { TokenLifecycleService } from './token-lifecycle.service.js';
import { TokenStore } from './token-store.js';
import { inTransaction, retryOnConflict } from '../database/transaction.js';

export interface ScanResponse extends ScanResult {
  /** True when this scan repeated an accepted one inside the window and changed nothing. */
  duplicate: boolean;
  scannedAt: Date;
}

/**
 * Station scans. A scan of a token waiting at the station's node starts it; a scan of a
 * token in progress there completes it and routes it on. A scan of the same barcode at the
 * same station within SCAN_DEDUP_WINDOW_MS returns the first scan's result and advances
 * nothing, on every replica: the claim is a conditional UPDATE of the scan_record row,
 * committed with the scan's effects, so a concurrent repeat waits for it and then sees it.
 */
@Injectable()
export class ScansService {
  private readonly logger = new Logger(ScansService.name);
  private readonly windowMs: number;
  private readonly scans: Counter;

  constructor(
    private readonly dataSource: DataSource,
    private readonly records: ScanRecordRepository,
    private readonly hook: ScanHook,
    private readonly store: TokenStore,
    private readonly topologies: GraphTopologyCache,
    private readonly lifecycle: TokenLifecycleService,
    private readonly accounts: AccountsService,
    config: ConfigService<Environment, true>,
    metrics: MetricsService,
  ) {
    this.windowMs = config.get('SCAN_DEDUP_WINDOW_MS', { infer: true });
    this.scans = metrics.counter('production_scans_total', 'Station scans by outcome', ['result']);
  }

  async scan(input: ScanInput): Promise<ScanResponse> {
    const now = new Date();
    const key: ScanKey = { stationCode: input.stationCode, barcode: input.barcode };
    // a statement of its own, before the claiming transaction: inside it, two first scans would
    // share a lock and deadlock on MySQL. Run twice it does the same, so a conflict with a
    // concurrent first scan on another Galera node is simply retried.
    await retryOnConflict(() => this.records.ensure(key));
    const accepted = await inTransaction(this.dataSource, async (em) => {
      if (!(await this.records.claim(em, key, now, new Date(now.getTime() - this.windowMs - 1)))) return null;
      let result = await this.hook.handle(input, em);
      if (!result) {
        result = await this.manual(em, input, now);
        await this.hook.observe(input, result, em);
      }
      await this.records.remember(em, key, result);
      return result;
    }).catch(async (error: unknown) => {
      await this.hook.observeFailure(input, error);
      throw error;
    });
    if (accepted) {
      this.scans.inc({ result: accepted.refusal ? 'refused' : 'accepted' });
      return answer(accepted, false, now);
    }
    this.scans.inc({ result: 'duplicate' });
    return this.previous(key);
  }

  private async previous(key: ScanKey): Promise<ScanResponse> {
    const last = await this.records.last(key);
    if (!last?.result)
      throw new DomainError(ErrorCode.ConcurrentUpdate, 'The same scan is being processed; retry in a moment');
    this.logger.log({ msg: 'duplicate scan ignored', stationCode: key.stationCode });
    return answer(last.result, true, last.scannedAt);
  }

  private async manual(em: EntityManager, input: ScanInput, now: Date): Promise<ScanResult> {
    const state = await this.store.loadBySerial(em, input.barcode);
    const topology = await this.topologies.get(em, state.job.graphId);
    const at = topology.node(state.token.currentNodeId);
    if (state.token.status !== TokenStatus.Waiting && state.token.status !== TokenStatus.InProgress) {
      throw new DomainError(
        ErrorCode.InvalidState,
        `Token ${state.token.serial} is ${state.token.status}; there is nothing to scan`,
        { tokenId: state.token.id, status: state.token.status },
      );
    }
    if (at.stationCode !== input.stationCode) {
      throw new DomainError(
        ErrorCode.WrongStation,
        `Token ${state.token.serial} is at node ${at.code}, served by station ${at.stationCode ?? '(none)'}, not ${input.stationCode}`,
        {
          tokenId: state.token.id,
          nodeCode: at.code,
          expectedStation: at.stationCode,
        },
      );
    }
    const operatorId = input.operatorCode ? await this.accounts.operatorId(em, input.operatorCode) : null;
    if (state.token.status === TokenStatus.Waiting) {
      const moved = await this.lifecycle.startWithin(em, state, operatorId, now);
      return { handledBy: 'manual', action: 'started', token: view(moved.token, moved.node.code) };
    }
    const moved = await this.lifecycle.completeWithin(em, state, input.outcome, operatorId, now);
    const action = moved.token.status === TokenStatus.Done ? 'finished' : 'completed';
    return {
      handledBy: 'manual',
      action,
      token: view(moved.token, moved.node.code),
      fromNodeCode: at.code,
      outcome: topology.edgeFrom(at.id, input.outcome).outcome,
    };
  }
}

/** A remembered refusal is answered as its error, the first time and on every repeat. */
function answer(result: ScanResult, duplicate: boolean, scannedAt: Date): ScanResponse {
  if (result.refusal)
    throw new DomainError(result.refusal.code, result.refusal.message, { ...result.refusal.details, duplicate });
  return { ...result, duplicate, scannedAt };
}

function view(
  token: { id: number; serial: string; status: TokenStatus; version: number },
  nodeCode: string,
): ScanResult['token'] {
  return { id: token.id, serial: token.serial, status: token.status, nodeCode, version: token.version };
}
