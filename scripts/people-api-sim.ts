/**
 * A stand-in for the factory's HR People API (contract: docs/people-api.md): a real HTTP
 * server over a deterministic dataset, with fault knobs for latency, 500s, hangs, malformed
 * records and 429s. Tests and the benchmark import startPeopleSim(); operators run
 * `npm run people-sim -- --port 4010 --size 2000` (flags below).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { seededRandom } from './seeded-random.js';

export interface SimFaults {
  /** Added before every API answer. */
  latencyMs: number;
  /** Share of API requests answered 500 (a seeded sequence, so runs repeat). */
  errorRate: number;
  /** The next N API requests answer 500. */
  fail500: number;
  /** The next N API requests never answer (the client has to time out). */
  hang: number;
  /** Share of API requests that never answer. */
  hangRate: number;
  /** Share of operator records served malformed; the same records every time. */
  malformedRate: number;
  /** The next N API requests answer 429 with Retry-After. */
  rateLimit: number;
  /** The next N API requests answer 200 with an HTML page instead of JSON, as a misrouted proxy would. */
  garbage: number;
  retryAfterSeconds: number;
  /** The next N API requests are served normally before fail500, hang, rateLimit and garbage apply (a failure mid-pagination). */
  faultAfter: number;
}

export const NO_FAULTS: SimFaults = {
  latencyMs: 0,
  errorRate: 0,
  fail500: 0,
  hang: 0,
  hangRate: 0,
  malformedRate: 0,
  rateLimit: 0,
  garbage: 0,
  retryAfterSeconds: 1,
  faultAfter: 0,
};

export interface SimOperator {
  id: string;
  employee_no: string;
  name: string;
  email: string;
  phone: string;
  national_id: string;
  team_ids: string[];
  skills: string[];
  active: boolean;
  updated_at: string;
}

export interface SimTeam {
  id: string;
  code: string;
  name: string;
  active: boolean;
  updated_at: string;
}

export interface SimMutation {
  /** Operators whose data changes (spread evenly over the dataset). */
  change?: number;
  /** Operators deleted upstream. */
  remove?: number;
  /** New operators. */
  add?: number;
}

export interface SimOptions {
  size?: number;
  token?: string;
  port?: number;
  host?: string;
  seed?: number;
  faults?: Partial<SimFaults>;
}

export interface PeopleSim {
  url: string;
  token: string;
  /** Every operator as served (before any malformation): what must never reach the database unmasked. */
  operators(): SimOperator[];
  teams(): SimTeam[];
  setFaults(change: Partial<SimFaults>): SimFaults;
  mutate(change: SimMutation): { changed: string[]; removed: string[]; added: string[] };
  /** API requests answered so far, by status ('hang' for those never answered, 'garbage' for the HTML pages). */
  stats(): Record<string, number>;
  close(): Promise<void>;
}

const DAY = 86_400_000;
const BASE_TIME = Date.UTC(2025, 0, 1);
const OPERATORS_PER_TEAM = 25;
const SKILLS = ['weld', 'paint', 'assembly', 'qc', 'pack', 'cnc', 'forklift', 'solder'];
const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken', 'Frances', 'Dennis', 'Radia', 'Niklaus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Thompson', 'Allen', 'Ritchie', 'Perlman', 'Wirth'];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function makeOperator(i: number, teamCount: number, updatedAt: number): SimOperator {
  const first = FIRST[i % FIRST.length];
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length];
  const team = (i % teamCount) + 1;
  return {
    id: `P${pad(i, 6)}`,
    employee_no: `E${pad(i, 5)}`,
    name: `${first} ${last}`,
    email: `${first.toLowerCase()}.${last.toLowerCase()}.${i}@people.example`,
    phone: `+1-555-${pad(Math.floor(i / 10_000), 3)}-${pad(i % 10_000, 4)}`,
    national_id: `NID-${pad((i * 7919) % 1_000_000_000, 9)}-${pad(i, 6)}`,
    team_ids: i % 7 === 0 ? [`T${pad(team, 3)}`, `T${pad((team % teamCount) + 1, 3)}`] : [`T${pad(team, 3)}`],
    skills: [SKILLS[i % SKILLS.length], SKILLS[(i * 3 + 1) % SKILLS.length]].filter(
      (s, k, all) => all.indexOf(s) === k,
    ),
    active: i % 50 !== 0,
    updated_at: new Date(updatedAt).toISOString(),
  };
}

/** A fixed pseudo-random share of records, by id, so the same ones are malformed every time. */
function hashOf(text: string): number {
  let h = 2166136261;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/** Whether the simulator serves this operator malformed at `rate`. */
export function isMalformed(id: string, rate: number): boolean {
  return rate > 0 && hashOf(id) < rate;
}

/** Each malformation the sync has to reject; the raw personal fields stay in, as they would upstream. */
function malformed(op: SimOperator): Record<string, unknown> {
  switch (Math.floor(hashOf(op.id + '#kind') * 4)) {
    case 0:
      return { ...op, employee_no: undefined };
    case 1:
      return { ...op, email: 42 };
    case 2:
      return { ...op, updated_at: 'yesterday-ish' };
    default:
      return { ...op, team_ids: op.team_ids.join(',') };
  }
}

interface Cursor {
  u: number;
  id: string;
}

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decodeCursor(text: string): Cursor | null {
  try {
    const c: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return typeof c === 'object' &&
      c !== null &&
      'u' in c &&
      typeof c.u === 'number' &&
      'id' in c &&
      typeof c.id === 'string'
      ? { u: c.u, id: c.id }
      : null;
  } catch {
    return null;
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function firstAtOrAfter(sorted: Array<{ updated_at: string }>, time: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Date.parse(sorted[mid].updated_at) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Keyset page over items sorted by (updated_at, id): stable while records change between pages. */
function page<T extends { id: string; updated_at: string }>(
  sorted: T[],
  cursor: Cursor | null,
  limit: number,
): { items: T[]; next_cursor: string | null } {
  let start = 0;
  if (cursor) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = Date.parse(sorted[mid].updated_at);
      if (t < cursor.u || (t === cursor.u && sorted[mid].id <= cursor.id)) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const items = sorted.slice(start, start + limit);
  if (start + limit >= sorted.length) return { items, next_cursor: null };
  // more follow, so this page is full (limit >= 1) and has a last item
  const last = items[items.length - 1];
  return { items, next_cursor: encodeCursor({ u: Date.parse(last.updated_at), id: last.id }) };
}

export function startPeopleSim(options: SimOptions = {}): Promise<PeopleSim> {
  const size = options.size ?? 2000;
  if (!Number.isInteger(size) || size < 1 || size > 50_000) throw new Error('size must be 1..50000');
  const token = options.token ?? 'people-sim-token';
  const teamCount = Math.max(1, Math.ceil(size / OPERATORS_PER_TEAM));
  const random = seededRandom(options.seed ?? 9);
  let faults: SimFaults = { ...NO_FAULTS, ...options.faults };
  /** API answers by status, and the hangs and garbage pages. */
  const counts = new Map<string, number>();
  const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);

  const operators = new Map<string, SimOperator>();
  for (let i = 1; i <= size; i++) {
    const op = makeOperator(i, teamCount, BASE_TIME + i * 1000);
    operators.set(op.id, op);
  }
  let nextIndex = size + 1;
  const teams: SimTeam[] = Array.from({ length: teamCount }, (_, k) => ({
    id: `T${pad(k + 1, 3)}`,
    code: `TEAM-${pad(k + 1, 3)}`,
    name: `Team ${k + 1}`,
    active: (k + 1) % 10 !== 0,
    updated_at: new Date(BASE_TIME).toISOString(),
  }));
  let sorted: SimOperator[] | null = null;
  // updated_at is always toISOString(), so the strings sort as the times do
  const sortedOperators = () =>
    (sorted ??= [...operators.values()].sort((a, b) => compare(a.updated_at, b.updated_at) || compare(a.id, b.id)));
  // strictly increasing, so every change lands after any watermark already taken
  let clock = BASE_TIME + (size + 1) * 1000;
  const tick = () => (clock = Math.max(clock + 1, Date.now()));

  const mutate = (change: SimMutation) => {
    const all = [...operators.values()];
    const spread = (n: number) =>
      n <= 0 ? [] : all.filter((_, k) => k % Math.max(1, Math.floor(all.length / n)) === 0).slice(0, n);
    const changed = spread(change.change ?? 0).map((op) => {
      const updated = {
        ...op,
        skills: [...op.skills.slice(1), SKILLS[(op.skills.length + clock) % SKILLS.length]],
        updated_at: new Date(tick()).toISOString(),
      };
      operators.set(op.id, updated);
      return op.id;
    });
    const removed = spread(change.remove ?? 0)
      .reverse()
      .filter((op) => !changed.includes(op.id))
      .map((op) => (operators.delete(op.id), op.id));
    const added = Array.from({ length: change.add ?? 0 }, () => {
      const op = makeOperator(nextIndex++, teamCount, tick());
      operators.set(op.id, op);
      return op.id;
    });
    sorted = null;
    // re-sorted here, so the first reader after a change is answered as fast as an indexed upstream would
    sortedOperators();
    availabilityCache.clear();
    return { changed, removed, added };
  };

  const availabilityCache = new Map<string, Array<Record<string, unknown>>>();
  const availability = (from: number, to: number) => {
    const key = `${from}|${to}`;
    const cached = availabilityCache.get(key);
    if (cached) return cached;
    const items: Array<Record<string, unknown>> = [];
    for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) {
      const dayNo = day / DAY;
      for (const op of sortedOperatorsById()) {
        if (!op.active) continue;
        const n = Number(op.id.slice(1));
        const [start, end] = n % 2 === 0 ? [6, 14] : [14, 22];
        const stamp = new Date(day).toISOString().slice(0, 10).replace(/-/g, '');
        items.push({
          id: `${op.id}-${stamp}-S`,
          operator_id: op.id,
          kind: 'shift',
          starts_at: new Date(day + start * 3_600_000).toISOString(),
          ends_at: new Date(day + end * 3_600_000).toISOString(),
          updated_at: new Date(BASE_TIME).toISOString(),
        });
        if (n % 20 === 0 && dayNo % 3 === 0) {
          items.push({
            id: `${op.id}-${stamp}-L`,
            operator_id: op.id,
            kind: 'leave',
            starts_at: new Date(day).toISOString(),
            ends_at: new Date(day + DAY).toISOString(),
            updated_at: new Date(BASE_TIME).toISOString(),
          });
        }
      }
    }
    availabilityCache.set(key, items);
    return items;
  };
  const sortedOperatorsById = () => [...operators.values()].sort((a, b) => (a.id < b.id ? -1 : 1));

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    count(String(status));
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    let text = '';
    for await (const chunk of req) text += (chunk as Buffer).toString();
    // the control API's contract: setFaults checks every knob it is given; mutate trusts its callers (tests, the bench)
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path === '/_control/state' && req.method === 'GET') {
      send(res, 200, { operators: operators.size, teams: teams.length, faults, requests: Object.fromEntries(counts) });
      return;
    }
    if (path === '/_control/faults' && (req.method === 'PUT' || req.method === 'POST')) {
      send(res, 200, setFaults(await readBody(req)));
      return;
    }
    if (path === '/_control/faults/reset' && req.method === 'POST') {
      send(res, 200, setFaults(NO_FAULTS));
      return;
    }
    if (path === '/_control/mutate' && req.method === 'POST') {
      send(res, 200, mutate(await readBody(req)));
      return;
    }
    send(res, 404, { error: 'not_found' });
  };

  const setFaults = (change: Partial<SimFaults>) => {
    for (const [key, value] of Object.entries(change)) {
      if (!(key in NO_FAULTS) || typeof value !== 'number' || value < 0) throw new Error(`bad fault knob ${key}`);
    }
    faults = { ...faults, ...change };
    return faults;
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(res, 401, { error: 'unauthorized' });
      return;
    }
    const counted = faults.faultAfter > 0 ? (faults.faultAfter--, false) : true;
    if ((counted && faults.hang > 0) || (faults.hangRate > 0 && random() < faults.hangRate)) {
      if (counted && faults.hang > 0) faults.hang--;
      count('hang');
      return; // never answered: the socket stays open until the client gives up
    }
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (counted && faults.rateLimit > 0) {
      faults.rateLimit--;
      send(res, 429, { error: 'rate_limited' }, { 'retry-after': String(faults.retryAfterSeconds) });
      return;
    }
    if ((counted && faults.fail500 > 0) || (faults.errorRate > 0 && random() < faults.errorRate)) {
      if (counted && faults.fail500 > 0) faults.fail500--;
      send(res, 500, { error: 'internal' });
      return;
    }
    if (counted && faults.garbage > 0) {
      faults.garbage--;
      count('garbage');
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    }
    const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
    const cursorText = url.searchParams.get('cursor');
    // availability pages by offset over its generated list; the others by keyset
    const cursor = cursorText && url.pathname !== '/v1/availability' ? decodeCursor(cursorText) : null;
    if (cursorText && url.pathname !== '/v1/availability' && !cursor) {
      send(res, 400, { error: 'bad_cursor' });
      return;
    }
    if (url.pathname === '/v1/operators') {
      const sinceText = url.searchParams.get('updated_since');
      const since = sinceText ? Date.parse(sinceText) : null;
      if (sinceText && Number.isNaN(since)) {
        send(res, 400, { error: 'bad_updated_since' });
        return;
      }
      const all = sortedOperators();
      const result = page(since === null ? all : all.slice(firstAtOrAfter(all, since)), cursor, limit);
      const items = result.items.map((op) => (isMalformed(op.id, faults.malformedRate) ? malformed(op) : op));
      send(res, 200, { items, next_cursor: result.next_cursor });
      return;
    }
    if (url.pathname === '/v1/teams') {
      send(res, 200, page(teams, cursor, limit));
      return;
    }
    if (url.pathname === '/v1/availability') {
      const from = Date.parse(url.searchParams.get('from') ?? '');
      const to = Date.parse(url.searchParams.get('to') ?? '');
      if (Number.isNaN(from) || Number.isNaN(to) || to <= from || to - from > 31 * DAY) {
        send(res, 400, { error: 'from and to must be ISO times at most 31 days apart' });
        return;
      }
      const items = availability(from, to);
      const offset = cursorText ? Number(Buffer.from(cursorText, 'base64url').toString('utf8')) || 0 : 0;
      const slice = items.slice(offset, offset + limit);
      send(res, 200, {
        items: slice,
        next_cursor: offset + limit < items.length ? Buffer.from(String(offset + limit)).toString('base64url') : null,
      });
      return;
    }
    send(res, 404, { error: 'not_found' });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const handler = url.pathname.startsWith('/_control/') ? control(req, res, url.pathname) : api(req, res, url);
    handler.catch((error: unknown) =>
      send(res, 400, { error: String(error instanceof Error ? error.message : error) }),
    );
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${options.host ?? '127.0.0.1'}:${port}`,
        token,
        operators: () => [...operators.values()],
        teams: () => teams,
        setFaults,
        mutate,
        stats: () => Object.fromEntries(counts),
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

const FLAGS: Partial<Record<string, keyof SimFaults>> = {
  '--latency-ms': 'latencyMs',
  '--error-rate': 'errorRate',
  '--fail-500': 'fail500',
  '--hang': 'hang',
  '--hang-rate': 'hangRate',
  '--malformed-rate': 'malformedRate',
  '--rate-limit': 'rateLimit',
  '--garbage': 'garbage',
  '--retry-after': 'retryAfterSeconds',
  '--fault-after': 'faultAfter',
};

async function main(argv: string[]): Promise<void> {
  const options: SimOptions & { faults: Partial<SimFaults> } = { port: 4010, faults: {} };
  for (let k = 0; k < argv.length; k += 2) {
    const flag = argv[k];
    const value = argv.at(k + 1);
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--port') options.port = Number(value);
    else if (flag === '--size') options.size = Number(value);
    else if (flag === '--token') options.token = value;
    else if (flag === '--host') options.host = value;
    else if (flag === '--seed') options.seed = Number(value);
    else {
      const knob = FLAGS[flag];
      if (!knob)
        throw new Error(
          `unknown flag ${flag}; known: --port --size --token --host --seed ${Object.keys(FLAGS).join(' ')}`,
        );
      options.faults[knob] = Number(value);
    }
  }
  const sim = await startPeopleSim(options);
  console.log(
    `people-api-sim listening on ${sim.url} (${sim.operators().length} operators, ${sim.teams().length} teams; token "${sim.token}"; control at ${sim.url}/_control/state)`,
  );
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  });
}
