import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import type { FlagContext } from '../flags/flag-rules.js';
import { FlagsService } from '../flags/flags.service.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import { FAILURE_REASON, NO_REASON, type PathTaken } from '../telemetry/path-telemetry.types.js';
import { PhaseTelemetry } from '../telemetry/phase-telemetry.service.js';

/** Returned by a new path that cannot decide (for example `no_candidate`): the legacy path runs. */
export class Decline {
  constructor(readonly reason: string) {}
}

export interface GatedResult<T> {
  value: T;
  path: PathTaken;
  /** Why the legacy path ran instead of the new one (a decline reason or the error). */
  fallbackReason?: string;
}

export interface GatedCall<T> {
  /** A phase flag; the phase it belongs to labels the logs and metrics. */
  flag: string;
  /** A short name for logs and metrics, e.g. `assign_on_spawn`. */
  operation: string;
  /**
   * What the caller knows of the work, for the flag's targeting rules; `NO_SCOPE` when nothing.
   * A function is called only when the flag is on; its failure falls back like the new path's.
   */
  context: FlagContext | (() => Promise<FlagContext>);
  newPath: () => Promise<T | Decline>;
  legacy: () => Promise<T>;
}

/** Which path a gated call is on, filled in as it goes, for its telemetry. */
interface Trace {
  path: PathTaken;
  reason: string;
}

/**
 * The one way a phase-gated branch runs: flag off, or its rules leave this work out -> legacy; the new path throws or declines
 * -> a `fallback_to_legacy` warning, a counter, and the legacy path. Callers never see the
 * new path's failure. Every call's path, latency and outcome go to the replica's telemetry.
 */
@Injectable()
export class PhaseFallback {
  private readonly logger = new Logger(PhaseFallback.name);
  private readonly fallbacks: Counter;

  constructor(
    private readonly flags: FlagsService,
    private readonly registry: PhaseRegistry,
    private readonly telemetry: PhaseTelemetry,
    metrics: MetricsService,
  ) {
    this.fallbacks = metrics.counter('phase_fallback_total', 'New-path failures or declines that ran the legacy path', [
      'phase',
      'operation',
      'reason',
    ]);
  }

  static decline(reason: string): Decline {
    return new Decline(reason);
  }

  async run<T>(call: GatedCall<T>): Promise<GatedResult<T>> {
    const started = performance.now();
    const trace: Trace = { path: 'legacy', reason: NO_REASON };
    let failed = true;
    try {
      const result = await this.gated(call, trace);
      failed = false;
      return result;
    } finally {
      this.telemetry.call(
        this.phaseOf(call),
        call.operation,
        trace.path,
        trace.reason,
        performance.now() - started,
        failed,
      );
    }
  }

  private async gated<T>(call: GatedCall<T>, trace: Trace): Promise<GatedResult<T>> {
    let selected: boolean;
    try {
      selected = await this.selects(call);
    } catch (thrown) {
      return this.fallBack(call, trace, FAILURE_REASON, thrown);
    }
    if (!selected) return { value: await call.legacy(), path: 'legacy' };
    let result: T | Decline;
    try {
      result = await call.newPath();
    } catch (thrown) {
      return this.fallBack(call, trace, FAILURE_REASON, thrown);
    }
    if (result instanceof Decline) return this.fallBack(call, trace, result.reason);
    trace.path = 'new';
    return { value: result, path: 'new' };
  }

  /** The flag's switch first: a context that takes work to build is built only when the flag is on. */
  private async selects(call: GatedCall<unknown>): Promise<boolean> {
    if (!this.flags.isEnabled(call.flag)) return false;
    const context = typeof call.context === 'function' ? await call.context() : call.context;
    return this.flags.evaluate(call.flag, context).value;
  }

  private async fallBack<T>(
    call: GatedCall<T>,
    trace: Trace,
    reason: string,
    error?: unknown,
  ): Promise<GatedResult<T>> {
    const phase = this.phaseOf(call);
    const message = error instanceof Error ? error.message : String(error);
    Object.assign(trace, { path: 'fallback', reason });
    this.fallbacks.inc({ phase: String(phase), operation: call.operation, reason });
    this.logger.warn({
      msg: 'fallback_to_legacy',
      phase,
      operation: call.operation,
      reason,
      ...(error !== undefined ? { error: message } : {}),
    });
    const detail = error instanceof Error ? message : reason;
    return { value: await call.legacy(), path: 'fallback', fallbackReason: detail };
  }

  /** The phase of the call's flag; 0 for a flag no phase declares. */
  private phaseOf(call: GatedCall<unknown>): number {
    return this.registry.phaseOfFlag(call.flag)?.number ?? 0;
  }
}
