import { Injectable } from '@nestjs/common';
import { FlagsService, type FlagView } from '../flags/flags.service.js';
import { PhaseRegistry, type SchemaState } from '../phase-registry.service.js';
import { RollbackLog, type RollbackSummary } from '../rollback/rollback-log.service.js';
import { GUARDRAIL_THRESHOLDS } from '../rollout/guardrail-thresholds.js';
import { PathTelemetryRepository } from '../telemetry/path-telemetry.repository.js';
import { epochMinute, minuteToIso } from '../telemetry/path-telemetry.types.js';
import { comparisonsOf, fallbacksOf, sideOf } from './advice-evidence.js';
import { adviseRollback, FIX_FORWARD_MINUTES, type Advice, type AdviceKind } from './rollback-advice.js';

export interface AdviceRequest {
  /** one phase; every phase when absent */
  phase?: number;
  windowMinutes?: number;
  fixEtaMinutes?: number;
  now?: Date;
}

/** What the tree did not need but an operator reads beside it. */
export interface PhaseState {
  flags: FlagView[];
  schema: SchemaState;
  lastRollback: RollbackSummary | null;
}

export type PhaseAdvice = Advice & { title: string; state: PhaseState };

export interface AdviceReport {
  window: { from: string; to: string; minutes: number };
  fixEtaMinutes: number | null;
  /** the most severe advice of the phases shown */
  advice: AdviceKind;
  phases: PhaseAdvice[];
  thresholds: AdviceThresholds;
}

/** The limits the tree judged with: the rollout guard's, and the fix-forward hour. */
export interface AdviceThresholds {
  maxFallbacks: number;
  fallbackWindowMinutes: number;
  pauseDeviation: number;
  rollbackDeviation: number;
  baselineRateFloor: number;
  minSample: number;
  latencyPauseRatio: number;
  latencyRollbackRatio: number;
  latencyMinSample: number;
  maxMeanMs: number;
  shadowMaxDisagreementRate: number;
  fixForwardMinutes: number;
}

const T = GUARDRAIL_THRESHOLDS;
const THRESHOLDS: AdviceThresholds = {
  maxFallbacks: T.fallbacks.maxCount,
  fallbackWindowMinutes: T.fallbacks.windowMinutes,
  pauseDeviation: T.deviation.pause,
  rollbackDeviation: T.deviation.rollback,
  baselineRateFloor: T.baselineRateFloor,
  minSample: T.minSample,
  latencyPauseRatio: T.latency.pauseRatio,
  latencyRollbackRatio: T.latency.rollbackRatio,
  latencyMinSample: T.latency.minSample,
  maxMeanMs: T.latency.absoluteMeanMs,
  shadowMaxDisagreementRate: T.shadow.maxDisagreementRate,
  fixForwardMinutes: FIX_FORWARD_MINUTES,
};

const SEVERITY: AdviceKind[] = ['no_action', 'pause', 'fix_forward', 'planned_rollback', 'emergency'];

/** The factory's decision tree over each phase's path telemetry and current state. */
@Injectable()
export class RollbackAdviceService {
  constructor(
    private readonly registry: PhaseRegistry,
    private readonly flags: FlagsService,
    private readonly telemetry: PathTelemetryRepository,
    private readonly rollbacks: RollbackLog,
  ) {}

  async advise(request: AdviceRequest = {}): Promise<AdviceReport> {
    const phases = request.phase === undefined ? this.registry.all() : [this.registry.get(request.phase)];
    const minutes = request.windowMinutes ?? T.fallbacks.windowMinutes;
    // the current minute counts: a breach an operator is looking at now is in it
    const to = epochMinute(request.now ?? new Date()) + 1;
    const window = { from: minuteToIso(to - minutes), to: minuteToIso(to), minutes };
    const advices: PhaseAdvice[] = [];
    for (const def of phases) {
      const ruleFrom = to - T.fallbacks.windowMinutes;
      const [totals, signals, ruleTotals] = await Promise.all([
        this.telemetry.totals(def.number, to - minutes, to),
        this.telemetry.signals(def.number, to - minutes, to),
        ruleFrom === to - minutes ? null : this.telemetry.totals(def.number, ruleFrom, to),
      ]);
      const flags = def.flags.map((f) => this.flags.view(f.key));
      const advice = adviseRollback({
        phase: def.number,
        window,
        acting: flags.some((f) => !f.shadow && f.effective),
        shadowing: flags.some((f) => f.shadow && f.effective),
        newPath: sideOf(totals, 'new'),
        legacy: sideOf(totals, 'legacy'),
        fallbacks: fallbacksOf(totals),
        fallbacksInRuleWindow: fallbacksOf(ruleTotals ?? totals),
        comparisons: comparisonsOf(signals),
        fixEtaMinutes: request.fixEtaMinutes ?? null,
      });
      advices.push({
        ...advice,
        title: def.title,
        state: {
          flags,
          schema: await this.registry.schemaState(def.number),
          lastRollback: await this.rollbacks.lastFor(def.number),
        },
      });
    }
    return {
      window,
      fixEtaMinutes: request.fixEtaMinutes ?? null,
      advice: advices.reduce<AdviceKind>(
        (worst, a) => (SEVERITY.indexOf(a.advice) > SEVERITY.indexOf(worst) ? a.advice : worst),
        'no_action',
      ),
      phases: advices,
      thresholds: THRESHOLDS,
    };
  }
}
