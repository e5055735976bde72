import {
  bootstrapMedianInterval,
  firstSide,
  formatRatio,
  interleavedRounds,
  median,
  ratioFigure,
  roundsFromArgs,
  timePair,
  verdictOf,
} from './stats.js';

describe('bench statistics', () => {
  it('takes the median of odd and even samples without reordering the input', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('bootstraps an interval that holds the median, stays within min-max and is reproducible', () => {
    const values = [1.1, 1.2, 1.25, 1.3, 1.32, 1.4, 2.5];
    const { low, high } = bootstrapMedianInterval(values);
    expect(low).toBeLessThanOrEqual(median(values));
    expect(high).toBeGreaterThanOrEqual(median(values));
    expect(low).toBeGreaterThanOrEqual(1.1);
    expect(high).toBeLessThanOrEqual(2.5);
    // one outlier round does not drag the interval of the median to it
    expect(high).toBeLessThan(2.5);
    expect(bootstrapMedianInterval(values)).toEqual({ low, high });
  });

  it('narrows as rounds agree: identical rounds give a zero-width interval', () => {
    expect(bootstrapMedianInterval([2, 2, 2, 2, 2])).toEqual({
      low: 2,
      high: 2,
    });
    const wide = bootstrapMedianInterval([1, 1.5, 2, 2.5, 3]);
    const narrow = bootstrapMedianInterval([1.9, 1.95, 2, 2.05, 2.1]);
    expect(narrow.high - narrow.low).toBeLessThan(wide.high - wide.low);
  });

  it('gives pass only when the whole interval meets the goal, FAIL when none of it does', () => {
    const atMost = { op: '<=' as const, value: 1.5 };
    expect(verdictOf(1.2, 1.4, atMost)).toBe('pass');
    expect(verdictOf(1.2, 1.5, atMost)).toBe('pass');
    expect(verdictOf(1.6, 2.0, atMost)).toBe('FAIL');
    expect(verdictOf(1.4, 1.6, atMost)).toBe('inconclusive');
    const atLeast = { op: '>=' as const, value: 0.7 };
    expect(verdictOf(0.72, 0.8, atLeast)).toBe('pass');
    expect(verdictOf(0.6, 0.69, atLeast)).toBe('FAIL');
    expect(verdictOf(0.66, 0.75, atLeast)).toBe('inconclusive');
  });

  it('builds a ratio figure from rounds and prints median, interval and rounds', () => {
    const figure = ratioFigure([0.71, 0.74, 0.76, 0.78, 0.8], {
      op: '>=',
      value: 0.7,
    });
    expect(figure.median).toBe(0.76);
    expect(figure.min).toBe(0.71);
    expect(figure.max).toBe(0.8);
    expect(figure.verdict).toBe('pass');
    expect(formatRatio(figure)).toMatch(/^0\.76x \[0\.7\d+x-0\.\d+x\] n=5$/);
    const straddling = ratioFigure([0.6, 0.65, 0.7, 0.75, 0.8], {
      op: '>=',
      value: 0.7,
    });
    expect(straddling.verdict).toBe('inconclusive');
    expect(formatRatio(ratioFigure([0.031, 0.03, 0.029, 0.03, 0.03], { op: '<=', value: 0.05 }, '%'))).toBe(
      '3.0% [2.9%-3.1%] n=5',
    );
  });

  it('reads --rounds, --until-stable and --max-rounds, with never fewer than 5 rounds', () => {
    expect(roundsFromArgs([])).toEqual({ rounds: 5, maxRounds: 5 });
    expect(roundsFromArgs(['--rounds', '3'])).toEqual({
      rounds: 5,
      maxRounds: 5,
    });
    expect(roundsFromArgs(['--rounds', '7'])).toEqual({
      rounds: 7,
      maxRounds: 7,
    });
    expect(roundsFromArgs(['--until-stable'])).toEqual({
      rounds: 5,
      maxRounds: 15,
    });
    expect(roundsFromArgs(['--until-stable', '--max-rounds', '9', '--rounds', '6'])).toEqual({
      rounds: 6,
      maxRounds: 9,
    });
  });

  it('runs a warm-up, alternates sides, and adds rounds only while a verdict is inconclusive', async () => {
    const seen: number[] = [];
    // rounds straddle the goal until the 8th sample, then stay clearly below it
    const ratios = [1.3, 1.7, 1.4, 1.6, 1.45, 1.55, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2];
    const samples = await interleavedRounds(
      { rounds: 5, maxRounds: 12 },
      (i) => {
        seen.push(i);
        return Promise.resolve(ratios[Math.max(0, i)]);
      },
      (s) => [ratioFigure(s, { op: '<=', value: 1.5 }).verdict],
    );
    expect(seen[0]).toBe(-1);
    expect(samples.length).toBeGreaterThan(5);
    expect(samples.length).toBeLessThanOrEqual(12);
    expect(ratioFigure(samples, { op: '<=', value: 1.5 }).verdict).not.toBe('inconclusive');
    expect([0, 1, 2, 3].map(firstSide)).toEqual(['a', 'b', 'a', 'b']);
  });

  it('runs the untimed setup before each side, in the alternating order', async () => {
    const calls: string[] = [];
    const step = (name: string) => async () => {
      calls.push(name);
    };
    await timePair(0, step('a'), step('b'), step('setup'));
    await timePair(1, step('a'), step('b'), step('setup'));
    expect(calls).toEqual(['setup', 'a', 'setup', 'b', 'setup', 'b', 'setup', 'a']);
  });

  it('stops at the bound when the rounds never decide, and at the minimum when they decide at once', async () => {
    const straddle = await interleavedRounds(
      { rounds: 5, maxRounds: 8 },
      (i) => Promise.resolve(i % 2 ? 1.4 : 1.6),
      (s) => [ratioFigure(s, { op: '<=', value: 1.5 }).verdict],
    );
    expect(straddle).toHaveLength(8);
    const clear = await interleavedRounds(
      { rounds: 5, maxRounds: 8 },
      () => Promise.resolve(1.1),
      (s) => [ratioFigure(s, { op: '<=', value: 1.5 }).verdict],
    );
    expect(clear).toHaveLength(5);
  });
});
