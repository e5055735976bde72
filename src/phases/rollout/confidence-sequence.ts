/**
 * An always-valid confidence sequence for the difference of two proportions (new minus
 * baseline), so the guard may look every minute without the false alarms a repeated fixed-sample
 * test raises.
 *
 * Method: the normal-mixture boundary of Robbins, in the asymptotic form of Howard, Ramdas,
 * McAuliffe and Sekhon ("Time-uniform, nonparametric, nonasymptotic confidence sequences",
 * Ann. Statist. 2021) and Waudby-Smith et al. ("Time-uniform central limit theory", 2021), as
 * the commercial safe-rollout products use it. With N = n1 + n2 trials so far, the estimated
 * variance of the difference V = p1(1-p1)/n1 + p2(1-p2)/n2 and a mixing parameter rho tuned for
 * a sample size N*, the interval
 *
 *   d ± sqrt(V·N) · sqrt( 2(N·rho² + 1) / (N²·rho²) · ln( sqrt(N·rho² + 1) / alpha ) )
 *
 * holds the true difference at every N simultaneously with probability at least 1 - alpha.
 * The half-width shrinks like sqrt(log N / N) instead of sqrt(1 / N): the price of peeking.
 * Rates are smoothed by half an event ((x + 0.5) / (n + 1)) so that a side with no events yet
 * does not claim zero variance. The guarantee is asymptotic: no verdict before a minimum sample.
 */
export interface ProportionSample {
  readonly events: number;
  readonly trials: number;
}

export interface DifferenceInterval {
  /** Observed new rate minus observed baseline rate. */
  readonly difference: number;
  readonly lower: number;
  readonly upper: number;
}

export function rate(sample: ProportionSample): number {
  return sample.trials === 0 ? 0 : sample.events / sample.trials;
}

/** rho² tuned so that the boundary is tightest around `tuningSample` trials. */
export function mixingRho2(alpha: number, tuningSample: number): number {
  const l = -2 * Math.log(alpha);
  return (l + Math.log(l + 1)) / tuningSample;
}

export function differenceSequence(
  candidate: ProportionSample,
  baseline: ProportionSample,
  alpha: number,
  tuningSample: number,
): DifferenceInterval {
  const difference = rate(candidate) - rate(baseline);
  const n = candidate.trials + baseline.trials;
  const smoothed = (s: ProportionSample) => (s.events + 0.5) / (s.trials + 1);
  const variance = (s: ProportionSample) => (smoothed(s) * (1 - smoothed(s))) / Math.max(s.trials, 1);
  const v = variance(candidate) + variance(baseline);
  const rho2 = mixingRho2(alpha, tuningSample);
  const radius = Math.sqrt(((2 * (n * rho2 + 1)) / (n * n * rho2)) * Math.log(Math.sqrt(n * rho2 + 1) / alpha));
  const halfWidth = Math.sqrt(v * n) * radius;
  return { difference, lower: difference - halfWidth, upper: difference + halfWidth };
}
