import { seededRandom } from '../seeded-random.js';

/**
 * The statistics every bench shares. A bench measures its two sides in interleaved rounds
 * (A B, then B A, ...), so a host that gets busier or quieter during the run slows both sides
 * of the same round alike; each round gives one ratio, and the verdict is taken on an interval
 * of the median ratio, not on one lucky or unlucky moment.
 */
export interface Goal {
  op: '>=' | '<=';
  value: number;
}

export type Verdict = 'pass' | 'FAIL' | 'inconclusive';

/** A ratio over rounds: the median with the spread it came with. */
export interface RatioFigure {
  kind: 'ratio';
  median: number;
  /** Bootstrap interval of the median (95%), never wider than the rounds' min-max. */
  low: number;
  high: number;
  min: number;
  max: number;
  rounds: number;
  goal: Goal | null;
  verdict: Verdict | null;
  /** How the value prints: `x` (1.32x), `%` (3.1%) or nothing. */
  unit: 'x' | '%' | '';
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Percentile bootstrap interval of the median: resample the rounds with replacement, take
 * each resample's median, keep the central `confidence` share. With few rounds it tends to
 * the min-max, which is the honest answer for few rounds.
 */
export function bootstrapMedianInterval(
  values: readonly number[],
  confidence = 0.95,
  resamples = 2000,
  seed = 1,
): { low: number; high: number } {
  if (values.length === 0) throw new Error('interval of no values');
  // seeded: the same samples give the same interval on every run
  const random = seededRandom(seed);
  const medians = new Float64Array(resamples);
  const sample = new Array<number>(values.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++) sample[i] = values[Math.floor(random() * values.length)];
    medians[r] = median(sample);
  }
  medians.sort();
  const tail = (1 - confidence) / 2;
  const at = (q: number) => medians[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))];
  return { low: at(tail), high: at(1 - tail) };
}

/** pass: the whole interval meets the goal; FAIL: none of it does; inconclusive: it straddles. */
export function verdictOf(low: number, high: number, goal: Goal): Verdict {
  const meets = (v: number) => (goal.op === '>=' ? v >= goal.value : v <= goal.value);
  if (meets(low) && meets(high)) return 'pass';
  if (!meets(low) && !meets(high)) return 'FAIL';
  return 'inconclusive';
}

export function ratioFigure(
  ratios: readonly number[],
  goal: Goal | null,
  unit: RatioFigure['unit'] = 'x',
): RatioFigure {
  const { low, high } = bootstrapMedianInterval(ratios);
  return {
    kind: 'ratio',
    median: median(ratios),
    low,
    high,
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    rounds: ratios.length,
    goal,
    verdict: goal ? verdictOf(low, high, goal) : null,
    unit,
  };
}

export function formatValue(value: number, unit: RatioFigure['unit']): string {
  if (unit === '%') return `${(value * 100).toFixed(1)}%`;
  const digits = Math.abs(value) >= 100 ? 0 : 2;
  return `${value.toFixed(digits)}${unit}`;
}

/** `1.32x [1.25-1.41] n=7`: the median, its interval and the number of rounds. */
export function formatRatio(figure: RatioFigure): string {
  return `${formatValue(figure.median, figure.unit)} [${formatValue(figure.low, figure.unit)}-${formatValue(figure.high, figure.unit)}] n=${figure.rounds}`;
}

export function isRatioFigure(value: unknown): value is RatioFigure {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'ratio';
}

export interface RoundsOptions {
  /** Rounds measured after the warm-up round; at least 5. */
  rounds: number;
  /** With --until-stable: go on, up to this many rounds, while a verdict is still inconclusive. */
  maxRounds: number;
}

/** `--rounds N`, `--until-stable` and `--max-rounds N` from the command line (the runner passes them on). */
export function roundsFromArgs(
  argv: readonly string[] = process.argv,
  defaults = { rounds: 5, maxRounds: 15 },
): RoundsOptions {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    const n = at === -1 ? NaN : Number(argv[at + 1]);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const rounds = Math.max(5, value('--rounds') ?? defaults.rounds);
  const maxRounds = argv.includes('--until-stable')
    ? Math.max(rounds, value('--max-rounds') ?? defaults.maxRounds)
    : rounds;
  return { rounds, maxRounds };
}

/**
 * Runs `round(i)` once as a warm-up (not kept), then `rounds` times, then, while any of the
 * figures that `decide` computes from the samples so far is inconclusive, more rounds up to
 * `maxRounds`. Each round measures both sides itself, in the order `i` says (`firstSide(i)`),
 * and returns its samples.
 */
export async function interleavedRounds<S>(
  options: RoundsOptions,
  round: (index: number) => Promise<S>,
  decide: (samples: S[]) => Array<Verdict | null>,
): Promise<S[]> {
  await round(-1);
  const samples: S[] = [];
  while (samples.length < options.maxRounds) {
    samples.push(await round(samples.length));
    if (samples.length < options.rounds) continue;
    if (!decide(samples).includes('inconclusive')) break;
  }
  return samples;
}

/** A before B in even rounds, B before A in odd ones, so neither side always runs on a warmer cache. */
export function firstSide(index: number): 'a' | 'b' {
  return index % 2 === 0 ? 'a' : 'b';
}

/**
 * Times both sides of one round in the order `firstSide` gives; resolves to [a ms, b ms].
 * `before` runs untimed ahead of each side: the state both start from (an emptied table), whose
 * cost depends on what the side before left behind and belongs to neither.
 */
export async function timePair(
  index: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  before: () => Promise<unknown> = async () => undefined,
): Promise<[number, number]> {
  const time = async (work: () => Promise<unknown>) => {
    await before();
    const start = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  if (firstSide(index) === 'a') {
    const ta = await time(a);
    return [ta, await time(b)];
  }
  const tb = await time(b);
  return [await time(a), tb];
}
