import { addHistogram, bucketOf, emptyHistogram, HISTOGRAM_COLUMNS, p95, quantile } from './latency-histogram.js';

const histogram = (counts: Record<number, number>) => Object.assign(emptyHistogram(), counts);

describe('latency histogram', () => {
  it('puts a latency in the first bucket whose bound holds it, the open bucket past the last', () => {
    expect(HISTOGRAM_COLUMNS).toEqual([
      'le_5',
      'le_10',
      'le_25',
      'le_50',
      'le_100',
      'le_250',
      'le_500',
      'le_1000',
      'le_2500',
      'le_inf',
    ]);
    expect([0, 5, 5.01, 10, 99, 2500, 2500.5, 1e9].map(bucketOf)).toEqual([0, 0, 1, 1, 4, 8, 9, 9]);
  });

  it('estimates a quantile linearly inside the bucket that holds its rank', () => {
    // 100 calls: 90 at most 5 ms, 10 in (10, 25]: rank 95 is half-way through the second group
    expect(p95(histogram({ 0: 90, 2: 10 }))).toBeCloseTo(17.5);
    expect(quantile(histogram({ 0: 90, 2: 10 }), 0.9)).toBeCloseTo(5);
    expect(quantile(histogram({ 0: 90, 2: 10 }), 0.5)).toBeCloseTo(5 * (50 / 90));
    expect(p95(histogram({ 4: 1 }))).toBeCloseTo(50 + 50 * 0.95);
  });

  it('answers null without calls, and the last finite bound for a rank in the open bucket', () => {
    expect(p95(emptyHistogram())).toBeNull();
    expect(p95(histogram({ 0: 1, 9: 99 }))).toBe(2500);
  });

  it('adds histograms bucket by bucket', () => {
    expect(addHistogram(histogram({ 0: 1, 9: 2 }), histogram({ 0: 3, 4: 1 }))).toEqual(histogram({ 0: 4, 4: 1, 9: 2 }));
  });
});
