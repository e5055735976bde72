import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import { LATENCY_BOUNDS_MS } from './latency-histogram.js';
import { PathTelemetryRepository } from './path-telemetry.repository.js';
import { minuteToIso, type PathTotals, type SeriesPoint, type SignalTotals } from './path-telemetry.types.js';

/** The longest range one read covers: the telemetry's default retention. */
export const MAX_TELEMETRY_DAYS = 35;
export const MAX_STEPS = 1440;
const DEFAULT_STEPS = 240;
const MINUTE_MS = 60_000;

export interface TelemetryRange {
  from?: Date;
  to?: Date;
  step?: number;
}

export interface TelemetryView {
  phase: number;
  from: string;
  to: string;
  stepMinutes: number;
  latencyBoundsMs: number[];
  series: Array<SeriesPoint & { at: string }>;
  totals: PathTotals[];
  signals: SignalTotals[];
}

/** A phase's path telemetry and signals over a bounded range, for the console and the API. */
@Injectable()
export class TelemetryReadService {
  constructor(
    private readonly store: PathTelemetryRepository,
    private readonly registry: PhaseRegistry,
  ) {}

  async read(phase: number, range: TelemetryRange, now = new Date()): Promise<TelemetryView> {
    this.registry.get(phase); // 404 for a phase no module declares
    const to = Math.ceil((range.to ?? now).getTime() / MINUTE_MS);
    const from = Math.floor((range.from?.getTime() ?? to * MINUTE_MS - 86_400_000) / MINUTE_MS);
    if (to <= from) throw DomainError.validation([{ field: 'to', messages: ['to must be after from'] }]);
    if (to - from > MAX_TELEMETRY_DAYS * 1440)
      throw DomainError.validation([
        { field: 'from', messages: [`the range may span at most ${MAX_TELEMETRY_DAYS} days`] },
      ]);
    const step = range.step ?? Math.ceil((to - from) / DEFAULT_STEPS);
    if (Math.ceil((to - from) / step) > MAX_STEPS)
      throw DomainError.validation([
        { field: 'step', messages: [`the range in steps of ${step} minutes makes more than ${MAX_STEPS} steps`] },
      ]);
    const [series, totals, signals] = [
      await this.store.series(phase, from, to, step),
      await this.store.totals(phase, from, to),
      await this.store.signals(phase, from, to),
    ];
    return {
      phase,
      from: minuteToIso(from),
      to: minuteToIso(to),
      stepMinutes: step,
      latencyBoundsMs: [...LATENCY_BOUNDS_MS],
      series: series.map((point) => ({ ...point, at: minuteToIso(point.minute) })),
      totals,
      signals,
    };
  }
}
