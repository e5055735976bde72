import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { Extends } from '../common/extension/extension-point.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { PhaseFallback } from '../phases/fallback/phase-fallback.service.js';
import type { FlagContext } from '../phases/flags/flag-rules.js';
import { SCAN_PRE_HANDLER, type ScanPreHandler } from '../production/hooks/scan-hook.js';
import type { ScanInput, ScanResult } from '../production/scan.types.js';
import { OEM_MODE, OEM_SHADOW_RUN } from './oem-flags.js';
import type { OemPlan } from './oem-scan.planner.js';
import { OemScanService, type OemAnswer } from './oem-scan.service.js';
import { OemShadowService } from './oem-shadow.service.js';
import { inTransaction } from '../database/transaction.js';

/**
 * Phase 8's entry into every accepted scan. With `enable_oem_mode` on, the OEM path answers
 * through PhaseFallback: its refusals (STEP_OUT_OF_ORDER, NO_RULE, ...) are values the client
 * sees, only an unexpected failure before OEM writes anything falls back to the manual path.
 * With it off and `oem_shadow_run` on, the OEM plan is made (against the shadow run's own
 * step progress) before the manual path changes anything, and recorded beside what the
 * manual path did once it is done, or beside its failure once that has rolled back.
 */
@Injectable()
@Extends(SCAN_PRE_HANDLER)
export class OemScanHandler implements ScanPreHandler {
  readonly name = 'oem';
  private readonly logger = new Logger(OemScanHandler.name);
  /** Plans waiting for observe() or observeFailure(); keyed by the scan object the core hands to each call. */
  private readonly shadowPlans = new WeakMap<ScanInput, { plan: OemPlan; context: () => Promise<FlagContext> }>();
  private readonly scans: Counter;

  constructor(
    private readonly fallback: PhaseFallback,
    private readonly oem: OemScanService,
    private readonly shadow: OemShadowService,
    private readonly dataSource: DataSource,
    metrics: MetricsService,
  ) {
    this.scans = metrics.counter('oem_scans_total', 'Scans seen by Phase 8, by the path that answered', ['path']);
  }

  async handle(scan: ScanInput, em: EntityManager): Promise<ScanResult | null> {
    let known: Promise<FlagContext> | undefined;
    // built once per scan, and only when a flag asks for it
    const context = () => (known ??= this.oem.flagContext(scan, em));
    const live = await this.fallback.run<OemAnswer>({
      flag: OEM_MODE,
      operation: 'oem_scan',
      context,
      newPath: () => this.oem.scan(scan, em),
      legacy: async () => ({ result: null }),
    });
    const answer = live.value;
    // legacy: flag off; fallback: the OEM path failed before writing; failed: it failed after; not_oem: OEM mode left the scan to the manual path
    const path =
      live.path !== 'new'
        ? live.path
        : 'failure' in answer
          ? 'failed'
          : 'refusal' in answer || answer.result
            ? 'oem'
            : 'not_oem';
    this.scans.inc({ path });
    this.logger.debug({ msg: 'scan', path, stationCode: scan.stationCode });
    if (live.path === 'legacy') await this.planShadow(scan, em, context);
    if ('failure' in answer) throw answer.failure;
    if ('refusal' in answer) throw answer.refusal;
    return answer.result;
  }

  async observe(scan: ScanInput, result: ScanResult, em: EntityManager): Promise<void> {
    await this.recordShadow(scan, (plan) => this.shadow.record(scan, plan, { result }, em));
  }

  /** The manual path refused (or failed) a scan this handler planned a shadow for: recorded in a transaction of its own, the scan's having rolled back. */
  async observeFailure(scan: ScanInput, error: unknown): Promise<void> {
    await this.recordShadow(scan, (plan) =>
      inTransaction(this.dataSource, (em) => this.shadow.record(scan, plan, { error }, em)),
    );
  }

  private async recordShadow(scan: ScanInput, record: (plan: OemPlan) => Promise<void>): Promise<void> {
    const planned = this.shadowPlans.get(scan);
    if (!planned) return;
    this.shadowPlans.delete(scan);
    await this.fallback.run({
      flag: OEM_SHADOW_RUN,
      operation: 'oem_shadow_record',
      context: planned.context,
      newPath: () => record(planned.plan),
      legacy: async () => undefined,
    });
  }

  private async planShadow(scan: ScanInput, em: EntityManager, context: () => Promise<FlagContext>): Promise<void> {
    const shadow = await this.fallback.run<OemPlan | null>({
      flag: OEM_SHADOW_RUN,
      operation: 'oem_shadow_plan',
      context,
      newPath: () => this.oem.plan(scan, em, 'shadow'),
      legacy: async () => null,
    });
    if (shadow.value) this.shadowPlans.set(scan, { plan: shadow.value, context });
  }
}
