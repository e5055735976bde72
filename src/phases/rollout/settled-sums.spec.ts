import { SETTLE_MINUTES, SettledSums } from './settled-sums.js';

/** One count per minute (the minute's number), and every range read. */
function counter() {
  const reads: Array<[number, number]> = [];
  const read = (from: number, to: number) => {
    reads.push([from, to]);
    let total = 0;
    for (let m = from; m < to; m++) total += m;
    return Promise.resolve([total]);
  };
  const add = (into: readonly number[], more: readonly number[]) => [(into[0] ?? 0) + (more[0] ?? 0)];
  return { reads, sums: new SettledSums(read, add) };
}
const exact = (from: number, to: number) => ((to - 1 + from) * (to - from)) / 2;

describe('settled sums', () => {
  it('answers the full window while reading only the minutes since the last call', async () => {
    const { reads, sums } = counter();
    expect(await sums.sum('stage', 1000, 1000 + 43_200)).toEqual([exact(1000, 44_200)]);
    reads.length = 0;
    expect(await sums.sum('stage', 1000, 44_201)).toEqual([exact(1000, 44_201)]);
    // one settled minute more, and the unsettled tail
    expect(reads).toEqual([
      [44_200 - SETTLE_MINUTES, 44_201 - SETTLE_MINUTES],
      [44_201 - SETTLE_MINUTES, 44_201],
    ]);
  });

  it('starts over when a window moves back, and keeps windows of different names apart', async () => {
    const { sums } = counter();
    await sums.sum('a', 0, 500);
    expect(await sums.sum('a', 0, 100)).toEqual([exact(0, 100)]);
    expect(await sums.sum('b', 0, 50)).toEqual([exact(0, 50)]);
    expect(await sums.sum('a', 0, 600)).toEqual([exact(0, 600)]);
  });

  it("reads a month's settled minutes a day per statement, not in one", async () => {
    const { reads, sums } = counter();
    expect(await sums.sum('stage', 0, 43_200)).toEqual([exact(0, 43_200)]);
    const settledReads = reads.slice(0, -1);
    expect(settledReads).toHaveLength(Math.ceil((43_200 - SETTLE_MINUTES) / 1_440));
    for (const [from, to] of settledReads) expect(to - from).toBeLessThanOrEqual(1_440);
  });
});
