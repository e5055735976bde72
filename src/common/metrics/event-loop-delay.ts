import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Histogram } from 'prom-client';

/** How often libuv's timer samples the delay, as prom-client's own event-loop metrics do. */
const RESOLUTION_MS = 10;
/** One observation per window: the longest delay sampled in it. */
const WINDOW_MS = 1000;

/**
 * Feeds `histogram` the event loop's delay, measured by node's monitorEventLoopDelay: each
 * second, the longest delay sampled in it. prom-client's defaults give only percentiles since
 * the last scrape (nodejs_eventloop_lag_*), which forget a stall between two scrapes; buckets
 * keep every one, counted. The window's timer is itself late after a stall, so a stall of
 * several seconds is one observation of its length.
 */
export class EventLoopDelay {
  private readonly samples: IntervalHistogram;
  private readonly window: NodeJS.Timeout;

  constructor(histogram: Histogram) {
    this.samples = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.samples.enable();
    // after a stall, the sampler's timer and this one are both due: read once every due timer has
    // run, for a reset drops the sampler's next delay (a stall that begins in those 10 ms is missed)
    this.window = setInterval(
      () =>
        setImmediate(() => {
          if (this.samples.count === 0) return;
          histogram.observe(this.samples.max / 1e9);
          this.samples.reset();
        }),
      WINDOW_MS,
    );
    this.window.unref();
  }

  stop(): void {
    clearInterval(this.window);
    this.samples.disable();
  }
}
