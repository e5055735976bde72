import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { plainToInstance } from 'class-transformer';
import { DataSource } from 'typeorm';
import { AssignmentComparisonService, COMPARE_PAGE_LIMIT } from '../../src/assignment/assignment-comparison.service.js';
import { RUNTIME_FLAG } from '../../src/assignment/assignment.schema.js';
import { PlanEntryInputDto } from '../../src/assignment/dto/plan.dto.js';
import { PlanPrioritiesService } from '../../src/assignment/plan-priorities.service.js';
import { DashboardRefreshService } from '../../src/dashboard/dashboard-refresh.service.js';
import { DASHBOARD_FLAG, VIEWS } from '../../src/dashboard/dashboard.schema.js';
import { OemRuleAction } from '../../src/oem/entities/oem-scan-rule.entity.js';
import { OEM_MODE } from '../../src/oem/oem-flags.js';
import { OemKanbanService } from '../../src/oem/oem-kanban.service.js';
import { OemRulesService } from '../../src/oem/oem-rules.service.js';
import { OemTicketsService } from '../../src/oem/oem-tickets.service.js';
import { FlagsService } from '../../src/phases/flags/flags.service.js';
import { RetentionService } from '../../src/phases/retention/retention.service.js';
import { DagRoutingService } from '../../src/production/dag-routing.service.js';
import { NodeKind } from '../../src/production/entities/production-graph.entity.js';
import { TokenStatus } from '../../src/production/entities/token.entity.js';
import { GraphsService } from '../../src/production/graphs.service.js';
import { JobsService } from '../../src/production/jobs.service.js';
import { ScansService } from '../../src/production/scans.service.js';
import { TokenLifecycleService } from '../../src/production/token-lifecycle.service.js';
import { TokensService } from '../../src/production/tokens.service.js';
import { present, runOnBothDatabases, timed, type BenchTarget, type FreshDatabase } from './runner.js';
import { interleavedRounds, median, ratioFigure, roundsFromArgs, type RatioFigure } from './stats.js';
import { bootMigratedApp, type BenchApp } from './support/app-context.js';
import { seedPeopleAndJobs, walk, type World } from './support/history.js';
import { bytesPerFinishedToken, compactStorage, storageBytes } from './support/storage.js';

/**
 * `npm run bench:scale`: whether an operation costs the same with a long history as with a
 * short one. One database per history size (default 10,000, 1,000,000 and 10,000,000 token
 * events; `--sizes=10000,3000000` to change), each generated set-based as a factory that ran
 * at a constant rate for longer: the same open work and the same last day, only more finished
 * tokens behind them. Then, in interleaved rounds over the sizes (the order rotates each round),
 * the per-operation cost of spawn, route, route with an automatic assignment decision, manual
 * and OEM scans, a Kanban read, a token list page and an incremental dashboard refresh; each
 * round gives one largest/smallest ratio per operation (goal <= 1.2x). Then the bytes of storage
 * per finished token, and the longest event-loop stall during a 100,000-token spawn, a compare
 * of that job and the dashboard refresh after it (goal < 100 ms), on the largest history. Last,
 * a real retention run on each history (every table keeping `--keep-days=N` days, default 0:
 * all finished tokens' history goes, archived as its policy says), and the bytes per finished
 * token after it and after compaction.
 */
const SIZES = (process.argv.find((a) => a.startsWith('--sizes='))?.slice('--sizes='.length) ?? '10000,1000000,10000000')
  .split(',')
  .map(Number);
const rounds = roundsFromArgs();
const HOUR = 3_600_000;
/**
 * A constant factory: its history is as long as its size, and the dashboard's last 24 hours
 * hold the same events at every size (the smallest history is one day long).
 */
const EVENTS_PER_DAY = 10_000;
const EVENTS_PER_FINISHED_TOKEN = 17;
/** Tokens still on the line, the same at every size. */
const OPEN_TOKENS = 300;
/** History is generated in chunks of this many events: bounded statements and a progress line each. */
const CHUNK_EVENTS = 1_000_000;
const JOB_TOKENS = 100;
const OEM_PIECES = 30;
const READS = 20;
const STALL_TOKENS = 100_000;
/** Tokens taken from spawn to finish through the services, to see what a real finished token leaves in every table. */
const FINISHED_TOKENS = 500;
const STALL_GOAL_MS = 100;
const KEEP_DAYS = Number(process.argv.find((a) => a.startsWith('--keep-days='))?.slice('--keep-days='.length) ?? 0);
const FLAT = { op: '<=' as const, value: 1.2 };

const OPS = [
  'spawn (per token)',
  'route (per token)',
  'route + automatic assignment (per token)',
  'scan, manual (per scan)',
  'scan, OEM (per scan)',
  'Kanban read',
  'token list page',
  'dashboard refresh, incremental',
] as const;
type Op = (typeof OPS)[number];
type Costs = Record<Op, number>;

interface Site {
  events: number;
  db: FreshDatabase;
  app: BenchApp;
  world: World;
  graphId: number;
  /** jobs and tickets made so far, for unique codes */
  made: number;
}

const change = { actor: 'bench', reason: 'bench:scale' };
const say = (line: string) => process.stderr.write(`  ${line}\n`);

async function openSite(target: BenchTarget, events: number): Promise<Site> {
  const db = await target.fresh();
  const app = await bootMigratedApp(db.env, { SCAN_DEDUP_WINDOW_MS: '0' });
  const site: Site = { events, db, app, ...(await buildFactory(app)), made: 0 };
  const ds = app.get(DataSource);
  const generateMs = await timed(() => generateHistory(site, target.label));
  await app.get(FlagsService).set(DASHBOARD_FLAG, true, change);
  const fullMs = await timed(() => app.get(DashboardRefreshService).refresh({ full: true }));
  const [{ total }] = await ds.query<Array<{ total: number | string }>>(`SELECT COUNT(*) AS total FROM token_event`);
  say(
    `${target.label}, ${events.toLocaleString('en')} events: ${Number(total).toLocaleString('en')} generated in ${(generateMs / 1000).toFixed(0)} s, full dashboard refresh ${fullMs.toFixed(0)} ms`,
  );
  return site;
}

/** A six-node line with a station at each node, three teams of two operators, automatic plans, one OEM rule. */
async function buildFactory(app: BenchApp): Promise<{ world: World; graphId: number }> {
  const ds = app.get(DataSource);
  const codes = ['S', 'W1', 'W2', 'W3', 'W4', 'E'];
  const graph = await app.get(GraphsService).create({
    code: 'SCALE',
    name: 'scale line',
    nodes: codes.map((code, i) => ({
      code,
      name: code,
      kind: i === 0 ? NodeKind.Start : i === codes.length - 1 ? NodeKind.End : NodeKind.Work,
      stationCode: i === codes.length - 1 ? undefined : `ST-${code}`,
    })),
    edges: codes.slice(1).map((to, i) => ({ from: codes[i], to })),
  });
  const nodes = codes.map(
    (code) =>
      present(
        graph.nodes.find((n) => n.code === code),
        `node ${code}`,
      ).id,
  );
  // the history's jobs: finished long ago
  const world = await seedPeopleAndJobs(ds, graph.graph.id, nodes, { prefix: 'S', jobStatus: 'done' });
  const plans = app.get(PlanPrioritiesService);
  for (const [i, node] of nodes.slice(0, -1).entries())
    await plans.setNodePlan(
      node,
      plainToInstance(PlanEntryInputDto, [
        { teamCode: `ST${i % 3}`, priority: 1 },
        { operatorCode: `SOP${i % 6}`, priority: 2 },
      ]),
    );
  await app.get(OemRulesService).create({
    customer: 'B',
    stationCode: 'ST-S',
    pattern: '^OEM-B-(?P<ref>R\\d+)-S(?P<seq>\\d+)$',
    action: OemRuleAction.Advance,
  });
  return { world, graphId: graph.graph.id };
}

/** Finished tokens at a constant rate up to an hour ago, in chunks; then the open work, the same at every size. */
async function generateHistory(site: Site, label: string): Promise<void> {
  const ds = site.app.get(DataSource);
  const end = Date.now() - 2 * HOUR;
  const totalSpan = (site.events / EVENTS_PER_DAY) * 24 * HOUR;
  for (let done = 0; done < site.events; done += CHUNK_EVENTS) {
    const events = Math.min(CHUNK_EVENTS, site.events - done);
    const span = (events / site.events) * totalSpan;
    const from = new Date(end - totalSpan + (done / site.events) * totalSpan);
    await walk(ds, site.world, Math.ceil(events / EVENTS_PER_FINISHED_TOKEN), from, span, HOUR, 1);
    if (site.events > CHUNK_EVENTS)
      say(`${label}: ${(done + events).toLocaleString('en')} / ${site.events.toLocaleString('en')} history events`);
  }
  await walk(ds, site.world, OPEN_TOKENS, new Date(end - 10 * HOUR), 10 * HOUR, HOUR, 0);
}

async function newJob(site: Site, quantity: number) {
  const jobs = site.app.get(JobsService);
  const job = await jobs.create({ code: `J${++site.made}`, graphId: site.graphId, productCode: 'P', quantity });
  await jobs.release(job.id);
  return job;
}

/** One round's operations on one site; each cost in ms per operation. */
async function operate(site: Site): Promise<Costs> {
  const { app, world } = site;
  const ds = app.get(DataSource);
  const flags = app.get(FlagsService);
  const lifecycle = app.get(TokenLifecycleService);
  const routing = app.get(DagRoutingService);
  const scans = app.get(ScansService);
  const tokensOf = (jobId: number) =>
    ds.query<Array<{ id: number; serial: string }>>(`SELECT id, serial FROM token WHERE job_id = ? ORDER BY id`, [
      jobId,
    ]);
  const routeAll = (tokens: Array<{ id: number }>) =>
    timed(async () => {
      for (const t of tokens) await routing.routeToNode(t.id, world.nodes[1]);
    });
  const per = (ms: number, count: number) => ms / count;

  await flags.set(RUNTIME_FLAG, false, change);
  const manual = await newJob(site, JOB_TOKENS);
  const spawnMs = await timed(() => lifecycle.spawnTokens(manual.id));
  const manualTokens = await tokensOf(manual.id);
  const routeMs = await routeAll(manualTokens);

  await flags.set(RUNTIME_FLAG, true, change);
  const automatic = await newJob(site, JOB_TOKENS);
  await lifecycle.spawnTokens(automatic.id);
  const autoMs = await routeAll(await tokensOf(automatic.id));
  await flags.set(RUNTIME_FLAG, false, change);

  // start, then complete (and route on) each manual token at W1's station
  const manualScanMs = await timed(async () => {
    for (let pass = 0; pass < 2; pass++)
      for (const t of manualTokens) await scans.scan({ stationCode: 'ST-W1', barcode: t.serial, outcome: 'pass' });
  });

  const refs: string[] = [];
  for (let i = 0; i < OEM_PIECES; i++) {
    const job = await newJob(site, 1);
    await lifecycle.spawnTokens(job.id);
    const ref = `R${site.made}`;
    await app.get(OemTicketsService).create({
      customer: 'B',
      externalRef: ref,
      jobId: job.id,
      steps: [
        { sequence: 1, name: 'S', nodeCode: 'S' },
        { sequence: 2, name: 'W1', nodeCode: 'W1' },
      ],
    });
    refs.push(ref);
  }
  await flags.set(OEM_MODE, true, change);
  const oemScanMs = await timed(async () => {
    for (let pass = 0; pass < 2; pass++)
      for (const ref of refs) {
        const result = await scans.scan({ stationCode: 'ST-S', barcode: `OEM-B-${ref}-S1`, outcome: 'pass' });
        if (result.handledBy !== 'oem') throw new Error(`OEM scan of ${ref} was handled by ${result.handledBy}`);
      }
  });
  await flags.set(OEM_MODE, false, change);

  const kanban = app.get(OemKanbanService);
  const kanbanMs = await timed(async () => {
    for (let i = 0; i < READS; i++) await kanban.board(undefined, 100);
  });
  const list = app.get(TokensService);
  const listMs = await timed(async () => {
    for (let i = 0; i < READS; i++) await list.list({ status: TokenStatus.Waiting, nodeId: world.nodes[2] }, 50);
  });
  const refreshMs = await timed(() => app.get(DashboardRefreshService).refresh({ full: false }));
  return {
    'spawn (per token)': per(spawnMs, JOB_TOKENS),
    'route (per token)': per(routeMs, JOB_TOKENS),
    'route + automatic assignment (per token)': per(autoMs, JOB_TOKENS),
    'scan, manual (per scan)': per(manualScanMs, 2 * JOB_TOKENS),
    'scan, OEM (per scan)': per(oemScanMs, 2 * OEM_PIECES),
    'Kanban read': per(kanbanMs, READS),
    'token list page': per(listMs, READS),
    'dashboard refresh, incremental': refreshMs,
  };
}

/** The longest event-loop delay (ms) while each of a 100,000-token spawn, its compare and the refresh after them runs. */
async function stalls(site: Site) {
  const { app } = site;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  const turns = () => new Promise((done) => setTimeout(done, 50));
  histogram.enable();
  const longest = async (work: () => Promise<unknown>) => {
    histogram.reset();
    // the first sample after a reset only starts the clock: a block before it would go unseen
    await turns();
    const ms = await timed(work);
    // work that never yields (SQLite's synchronous driver) is sampled only on the loop's next turns
    await turns();
    return { ms, stallMs: histogram.max / 1e6 };
  };
  try {
    const job = await newJob(site, STALL_TOKENS);
    return {
      spawn: await longest(() => app.get(TokenLifecycleService).spawnTokens(job.id)),
      // one page of the largest size a client may ask for: each page decides the whole job
      compare: await longest(() =>
        app.get(AssignmentComparisonService).compare(job.id, { limit: COMPARE_PAGE_LIMIT.max }),
      ),
      refresh: await longest(() => app.get(DashboardRefreshService).refresh({ full: false })),
    };
  } finally {
    histogram.disable();
  }
}

/**
 * The storage a token finished through the services adds across all tables (its events, scan
 * records, automatic decisions, ...), where the generated history has only tokens and events:
 * FINISHED_TOKENS spawned with automatic assignment on and scanned in and out at every station.
 */
async function bytesPerTokenFinishedThroughServices(site: Site): Promise<number> {
  const { app } = site;
  const ds = app.get(DataSource);
  const scans = app.get(ScansService);
  const before = await storageBytes(ds);
  await app.get(FlagsService).set(RUNTIME_FLAG, true, change);
  const job = await newJob(site, FINISHED_TOKENS);
  await app.get(TokenLifecycleService).spawnTokens(job.id);
  const tokens = await ds.query<Array<{ serial: string }>>(`SELECT serial FROM token WHERE job_id = ?`, [job.id]);
  for (const code of ['S', 'W1', 'W2', 'W3', 'W4'])
    for (let pass = 0; pass < 2; pass++)
      for (const t of tokens) await scans.scan({ stationCode: `ST-${code}`, barcode: t.serial, outcome: 'pass' });
  await app.get(FlagsService).set(RUNTIME_FLAG, false, change);
  const [{ open }] = await ds.query<Array<{ open: number | string }>>(
    `SELECT COUNT(*) AS open FROM token WHERE job_id = ? AND status <> 'done'`,
    [job.id],
  );
  if (Number(open) > 0) throw new Error(`${open} of the ${FINISHED_TOKENS} tokens did not finish`);
  return ((await storageBytes(ds)) - before) / FINISHED_TOKENS;
}

/**
 * Bytes per finished token now, after a retention run that keeps KEEP_DAYS days in every table
 * (on a second application booted with that RETENTION_DAYS, archiving into a scratch folder),
 * and after compaction gave the freed pages back.
 */
async function afterRetention(site: Site) {
  const ds = site.app.get(DataSource);
  const tables = site.app.get(RetentionService).tables();
  const archives = mkdtempSync(join(tmpdir(), 'phasegate-bench-retention-'));
  const purger = await bootMigratedApp(site.db.env, {
    RETENTION_DAYS: tables.map((t) => `${t.table}=${KEEP_DAYS}`).join(','),
    BACKUP_DIR: archives,
  });
  try {
    const before = await bytesPerFinishedToken(ds);
    let counts: Record<string, number> = {};
    const ms = await timed(async () => {
      counts = await purger.get(RetentionService).run({ signal: new AbortController().signal });
    });
    const retained = await bytesPerFinishedToken(ds);
    const compactMs = await timed(() => compactStorage(ds));
    const compacted = await bytesPerFinishedToken(ds);
    const deleted = Object.entries(counts)
      .filter(([name, n]) => name.endsWith('.deleted') && n > 0)
      .map(([name, n]) => `${name.slice(0, -'.deleted'.length)} ${n.toLocaleString('en')}`);
    say(
      `${sizeLabel(site.events)}: retention deleted ${deleted.join(', ') || 'nothing'} in ${(ms / 1000).toFixed(1)} s`,
    );
    return { before, retained, compacted, ms, compactMs };
  } finally {
    await purger.close();
    rmSync(archives, { recursive: true, force: true });
  }
}

const sizeLabel = (events: number) =>
  events >= 1_000_000 ? `${events / 1_000_000}M` : events >= 1_000 ? `${events / 1_000}k` : String(events);
const cost = (ms: number) => (ms >= 10 ? `${ms.toFixed(0)} ms` : `${(ms * 1000).toFixed(0)} µs`);

async function bench(target: BenchTarget) {
  const sites: Site[] = [];
  try {
    for (const events of SIZES) sites.push(await openSite(target, events));
    const storage: Array<{ events: number; bytes: number }> = [];
    for (const site of sites)
      storage.push({ events: site.events, bytes: await bytesPerFinishedToken(site.app.get(DataSource)) });
    const [smallest, largest] = [0, sites.length - 1];
    const ratios = (samples: Costs[][], op: Op, of = largest): RatioFigure =>
      ratioFigure(
        samples.map((s) => s[of][op] / s[smallest][op]),
        of === largest ? FLAT : null,
      );
    const samples = await interleavedRounds(
      rounds,
      async (i) => {
        const costs: Costs[] = new Array<Costs>(sites.length);
        const shift = ((i % sites.length) + sites.length) % sites.length;
        for (let k = 0; k < sites.length; k++) {
          const at = (k + shift) % sites.length;
          costs[at] = await operate(sites[at]);
        }
        say(`${target.label}: round ${i + 1} done`);
        return costs;
      },
      (s) => OPS.map((op) => ratios(s, op).verdict),
    );
    // where the last round's incremental refresh spent its time, per view
    const perView = await Promise.all(
      sites.map(async (site) => {
        const rows = await site.app
          .get(DataSource)
          .query<Array<{ view_name: string; duration_ms: number }>>(
            `SELECT view_name, duration_ms FROM mv_refresh_state`,
          );
        return VIEWS.map((v) => rows.find((r) => r.view_name === v)?.duration_ms ?? '-').join('/');
      }),
    );
    const throughServices = await bytesPerTokenFinishedThroughServices(sites[smallest]);
    const stall = await stalls(sites[largest]);
    const purged: Array<Awaited<ReturnType<typeof afterRetention>>> = [];
    for (const site of sites) purged.push(await afterRetention(site));
    const figures: Record<string, string | number | RatioFigure> = {};
    for (const site of sites) figures[`${sizeLabel(site.events)}: history events`] = site.events.toLocaleString('en');
    for (const op of OPS) {
      figures[`${op}: median cost ${sites.map((s) => sizeLabel(s.events)).join(' / ')}`] = sites
        .map((_, k) => cost(median(samples.map((s) => s[k][op]))))
        .join(' / ');
      if (sites.length > 2)
        figures[`${op}: ${sizeLabel(sites[1].events)}/${sizeLabel(sites[0].events)}`] = ratios(samples, op, 1);
      if (sites.length > 1)
        figures[`${op}: ${sizeLabel(sites[largest].events)}/${sizeLabel(sites[0].events)}`] = ratios(samples, op);
    }
    figures[`refresh per view, last round: flow/bottlenecks/teams/cycles (ms)`] = perView.join(' | ');
    for (const s of storage) figures[`bytes per finished token, ${sizeLabel(s.events)}`] = Math.round(s.bytes);
    figures[
      `bytes per token finished through the services (${FINISHED_TOKENS}, ${sizeLabel(sites[smallest].events)})`
    ] = Math.round(throughServices);
    const at = sizeLabel(sites[largest].events);
    const stallLine = (s: { ms: number; stallMs: number }) =>
      `${s.stallMs.toFixed(0)} ms ${s.stallMs < STALL_GOAL_MS ? 'pass' : 'FAIL'} (took ${s.ms.toFixed(0)} ms)`;
    figures[`longest stall, ${STALL_TOKENS.toLocaleString('en')}-token spawn (${at})`] = stallLine(stall.spawn);
    figures[`longest stall, compare of that job (${at})`] = stallLine(stall.compare);
    figures[`longest stall, dashboard refresh after it (${at})`] = stallLine(stall.refresh);
    for (const [k, p] of purged.entries())
      figures[
        `bytes per finished token at the end, after retention (keep ${KEEP_DAYS} d), after compaction, ${sizeLabel(sites[k].events)}`
      ] =
        `${Math.round(p.before)} / ${Math.round(p.retained)} / ${Math.round(p.compacted)} ` +
        `(retention ${(p.ms / 1000).toFixed(1)} s, compaction ${(p.compactMs / 1000).toFixed(1)} s)`;
    return figures;
  } finally {
    for (const site of sites) {
      await site.app.close();
      await site.db.drop();
    }
  }
}

await runOnBothDatabases(
  `scale: per-operation cost at ${SIZES.map((s) => s.toLocaleString('en')).join(' / ')} token events of history`,
  bench,
);
