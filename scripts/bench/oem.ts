import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dialectOf, insertChunkRows, toDbTime } from '../../src/database/dialect.js';
import { OemRuleAction } from '../../src/oem/entities/oem-scan-rule.entity.js';
import { OEM_MODE } from '../../src/oem/oem-flags.js';
import { OemKanbanService } from '../../src/oem/oem-kanban.service.js';
import { OemRulesService } from '../../src/oem/oem-rules.service.js';
import { OemTicketsService } from '../../src/oem/oem-tickets.service.js';
import { FlagsService } from '../../src/phases/flags/flags.service.js';
import { NodeKind } from '../../src/production/entities/production-graph.entity.js';
import { GraphsService } from '../../src/production/graphs.service.js';
import { JobsService } from '../../src/production/jobs.service.js';
import { ScansService } from '../../src/production/scans.service.js';
import { TokenLifecycleService } from '../../src/production/token-lifecycle.service.js';
import { perSecond, runOnBothDatabases, timed, type BenchTarget } from './runner.js';
import { bootMigratedApp, type BenchApp } from './support/app-context.js';
import { interleavedRounds, median, ratioFigure, roundsFromArgs, timePair } from './stats.js';

/**
 * `npm run bench:oem`: station scans through ScansService in manual mode and in OEM mode on
 * the same kind of data in one run (one-piece jobs; in OEM mode each has a ticket whose steps
 * map onto the graph), in interleaved rounds of PER_ROUND pieces a mode, so a busy machine
 * slows both alike; goal: OEM at >= 0.7 of manual's rate, on the median round's ratio and its
 * interval. Then the Kanban's latency over 10,000 open tickets.
 */
const PER_ROUND = Number(process.env.BENCH_OEM_PIECES ?? 100);
const rounds = roundsFromArgs();
const KANBAN_TICKETS = 10_000;
const KANBAN_RUNS = 15;

async function bench(target: BenchTarget) {
  const db = await target.fresh();
  const app = await bootMigratedApp(db.env, { SCAN_DEDUP_WINDOW_MS: '0' });
  try {
    const pieces = await setUp(app);
    const scans = app.get(ScansService);
    const flags = app.get(FlagsService);
    const change = { actor: 'bench', reason: 'bench:oem' };
    // each piece is scanned twice at each node (start, complete): S then A, four scans
    const passes = [
      { station: 'ST-S', seq: 1 },
      { station: 'ST-S', seq: 1 },
      { station: 'ST-A', seq: 2 },
      { station: 'ST-A', seq: 2 },
    ];
    const scanAll = async (mode: 'manual' | 'oem', slice: Piece[]) => {
      await flags.set(OEM_MODE, mode === 'oem', change);
      return timed(async () => {
        for (const pass of passes) {
          for (const p of slice) {
            const barcode = mode === 'oem' ? `OEM-B-${p.ref}-S${pass.seq}` : p.serial;
            const result = await scans.scan({ stationCode: pass.station, barcode, outcome: 'pass' });
            if (result.handledBy !== (mode === 'oem' ? 'oem' : 'manual'))
              throw new Error(`scan ${barcode} was handled by ${result.handledBy}`);
          }
        }
      });
    };
    const goal = { op: '>=' as const, value: 0.7 };
    const samples = await interleavedRounds(
      rounds,
      async (i) => {
        // each round scans new pieces, made before its clock starts
        const slice = await pieces(PER_ROUND);
        const ms = { manual: 0, oem: 0 };
        await timePair(
          i,
          async () => (ms.oem = await scanAll('oem', slice)),
          async () => (ms.manual = await scanAll('manual', slice)),
        );
        return ms;
      },
      (s) => [
        ratioFigure(
          s.map((m) => m.manual / m.oem),
          goal,
        ).verdict,
      ],
    );
    const count = PER_ROUND * passes.length;
    const manualRate = perSecond(count, median(samples.map((m) => m.manual)));
    const oemRate = perSecond(count, median(samples.map((m) => m.oem)));

    await fillTickets(app.get(DataSource), KANBAN_TICKETS);
    const kanban = app.get(OemKanbanService);
    const latency = async (customer: string | undefined) => {
      const times: number[] = [];
      for (let i = 0; i < KANBAN_RUNS; i++) times.push(await timed(() => kanban.board(customer, 100)));
      times.sort((a, b) => a - b);
      return { p50: times[Math.floor(times.length / 2)].toFixed(1), max: times[times.length - 1].toFixed(1) };
    };
    const all = await latency(undefined);
    const one = await latency('KB-3');
    return {
      [`scans a round and mode`]: count,
      'manual scans/s (median round)': manualRate,
      'OEM scans/s (median round)': oemRate,
      'OEM / manual': ratioFigure(
        samples.map((m) => m.manual / m.oem),
        goal,
      ),
      [`Kanban ${KANBAN_TICKETS} tickets p50 / max ms`]: `${all.p50} / ${all.max}`,
      'Kanban one customer p50 / max ms': `${one.p50} / ${one.max}`,
    };
  } finally {
    await app.close();
    await db.drop();
  }
}

interface Piece {
  /** The OEM ticket scanned in OEM mode. */
  ref: string;
  /** The token serial scanned in manual mode. */
  serial: string;
}

/**
 * The graph and the rules; then, per call, `count` pieces of two one-piece jobs each, spawned
 * through the services: one scanned by its token serial in manual mode, the other by its OEM
 * ticket's barcode in OEM mode.
 */
async function setUp(app: BenchApp): Promise<(count: number) => Promise<Piece[]>> {
  const graph = await app.get(GraphsService).create({
    code: 'BENCH-OEM',
    name: 'bench',
    nodes: [
      { code: 'S', name: 'S', kind: NodeKind.Start, stationCode: 'ST-S' },
      { code: 'A', name: 'A', kind: NodeKind.Work, stationCode: 'ST-A' },
      { code: 'E', name: 'E', kind: NodeKind.End },
    ],
    edges: [
      { from: 'S', to: 'A' },
      { from: 'A', to: 'E' },
    ],
  });
  const jobs = app.get(JobsService);
  const lifecycle = app.get(TokenLifecycleService);
  const tickets = app.get(OemTicketsService);
  const rules = app.get(OemRulesService);
  // a few other customers' rules first, as a factory would have them
  for (const station of ['ST-S', 'ST-A']) {
    for (const other of ['X', 'Y', 'Z'])
      await rules.create({
        customer: other,
        stationCode: station,
        pattern: `^OEM-${other}-(?P<ref>\\d+)$`,
        action: OemRuleAction.Advance,
      });
    await rules.create({
      customer: 'B',
      stationCode: station,
      pattern: '^OEM-B-(?P<ref>R\\d+)-S(?P<seq>\\d+)$',
      action: OemRuleAction.Advance,
      priority: 1,
    });
  }
  const spawn = async (code: string) => {
    const job = await jobs.create({ code, graphId: graph.graph.id, productCode: 'P', quantity: 1 });
    await jobs.release(job.id);
    return { id: job.id, serial: (await lifecycle.spawnTokens(job.id)).firstSerial };
  };
  let made = 0;
  return async (count) => {
    const pieces: Piece[] = [];
    for (const i = made; made < i + count; made++) {
      const manual = await spawn(`BM-${made}`);
      const oem = await spawn(`BO-${made}`);
      const ref = `R${made}`;
      await tickets.create({
        customer: 'B',
        externalRef: ref,
        jobId: oem.id,
        steps: [
          { sequence: 1, name: 'S', nodeCode: 'S' },
          { sequence: 2, name: 'A', nodeCode: 'A' },
        ],
      });
      pieces.push({ ref, serial: manual.serial });
    }
    return pieces;
  };
}

/** 10,000 open tickets of 10 customers, 5 steps each, spread over the steps, straight through the driver. */
async function fillTickets(ds: DataSource, count: number): Promise<void> {
  const now = Date.now();
  const at = toDbTime(new Date(now));
  const [{ base }] = await ds.query<Array<{ base: number | string }>>(
    `SELECT COALESCE(MAX(id), 0) AS base FROM oem_job_ticket`,
  );
  const chunk = insertChunkRows(dialectOf(ds), 11);
  for (let first = 0; first < count; first += chunk) {
    const n = Math.min(chunk, count - first);
    const ticketParams: unknown[] = [];
    const stepParams: unknown[] = [];
    for (let k = first; k < first + n; k++) {
      const id = Number(base) + k + 1;
      const current = (k % 5) + 1;
      ticketParams.push(
        id,
        `KB-${k % 10}`,
        `K${k}`,
        current === 1 ? 'open' : 'in_progress',
        toDbTime(new Date(now + ((k % 97) - 30) * 3_600_000)),
        current,
        5,
        1,
        at,
        at,
      );
      for (let s = 1; s <= 5; s++) stepParams.push(id, s, `Step ${s}`, s < current ? 'done' : 'pending');
    }
    await ds.query(
      `INSERT INTO oem_job_ticket (id, customer, external_ref, status, due_at, current_sequence, step_count, version, created_at, updated_at) VALUES ${Array(n).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      ticketParams,
    );
    await ds.query(
      `INSERT INTO oem_job_ticket_step (ticket_id, sequence, name, status) VALUES ${Array(n * 5)
        .fill('(?, ?, ?, ?)')
        .join(', ')}`,
      stepParams,
    );
  }
}

await runOnBothDatabases('bench:oem', bench);
