import { compareDigests, type OwnedDigest } from './drill-checksums.js';
import { drillReport } from './drill-report.js';
import type { DrillStep, RollbackDrill } from './rollback-drill.entity.js';

const digest = (table: string, rows: number, sha256: string, column?: string): OwnedDigest => ({
  phase: 7,
  table,
  ...(column ? { column } : {}),
  rows,
  sha256,
});

describe('rollback drill report', () => {
  it('compares each table and column with its state before: equal, changed, missing', () => {
    const before = [digest('a', 2, 'x'), digest('b', 1, 'y'), digest('n', 3, 'z', 'priority'), digest('gone', 1, 'w')];
    const after = [digest('a', 2, 'x'), digest('b', 2, 'v'), digest('n', 3, 'other', 'priority')];
    expect(compareDigests(before, after).map((c) => [c.table, c.column ?? null, c.actualRows, c.ok])).toEqual([
      ['a', null, 2, true],
      ['b', null, 2, false],
      ['n', 'priority', 3, false],
      ['gone', null, null, false],
    ]);
  });

  it('tells a column from the table it belongs to', () => {
    const [checked] = compareDigests([digest('n', 1, 'x', 'priority')], [digest('n', 1, 'x')]);
    expect(checked).toMatchObject({ table: 'n', column: 'priority', actual: null, ok: false });
  });

  it("adds up each phase's steps, in the order the phases were rolled back", () => {
    const step = (phase: number | null, durationMs: number): DrillStep => ({
      phase,
      name: 'backup',
      status: 'done',
      startedAt: null,
      durationMs,
      detail: null,
    });
    const drill = {
      phases: [8, 7],
      steps: [step(null, 500), step(8, 10), step(7, 20), step(8, 5), step(7, 1)],
    } as RollbackDrill;
    expect(drillReport(drill).phaseDurations).toEqual([
      { phase: 8, durationMs: 15 },
      { phase: 7, durationMs: 21 },
    ]);
  });
});
