import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import type { EnvironmentInput } from '../../src/config/environment.js';
import { fromDbTime } from '../../src/database/dialect.js';
import { assertBuilt, ServerProcess, startServer } from './processes.js';
import type { TestDatabase } from './test-database.js';
import { checkedFetch } from './openapi-contract.js';

/**
 * Several real app processes (`node dist/bundle/main.js`) on one database: the replicas that
 * production runs behind a load balancer. Keys come from an in-process app on the same
 * database, so every replica accepts them.
 */
export interface Replica extends ServerProcess {
  name: string;
  /** JSON request with the given key; never throws on an HTTP error status. */
  call: (method: string, path: string, key: string, body?: unknown) => Promise<{ status: number; body: any }>;
}

/** `envOf(i)` adds what differs per replica, such as the Galera node each one uses. */
export async function startReplicas(
  db: TestDatabase,
  count: number,
  env: EnvironmentInput = {},
  envOf: (i: number) => EnvironmentInput = () => ({}),
): Promise<Replica[]> {
  assertBuilt();
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startServer({ ...db.env, ...env, ...envOf(i) })),
  );
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
  if (failed.length) {
    await Promise.all(servers.map((s) => s.stop()));
    throw new Error(`replicas failed to start:\n${failed.join('\n')}`);
  }
  return servers.map((server, i) => ({
    ...server,
    name: `replica-${i + 1}`,
    call: (method, path, key, body) => callJson(server.url, method, path, key, body),
  }));
}

export async function stopReplicas(replicas: Replica[]): Promise<void> {
  await Promise.all(replicas.map((r) => r.stop()));
}

async function callJson(
  base: string,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await checkedFetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // a non-JSON answer is returned as text, for the assertion message
  }
  return { status: res.status, body: parsed };
}

export interface JobRunRow {
  job: string;
  status: string;
  owner: string;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

export async function jobRuns(ds: DataSource, jobs: string[]): Promise<JobRunRow[]> {
  const rows: Array<Record<string, any>> = await ds.query(
    `SELECT job_name, status, owner, started_at, finished_at, error FROM job_run WHERE job_name IN (${jobs.map(() => '?').join(', ')}) AND triggered_by = 'schedule' ORDER BY id`,
    jobs,
  );
  return rows.map((r) => ({
    job: r.job_name,
    status: r.status,
    owner: r.owner,
    startedAt: fromDbTime(r.started_at),
    finishedAt: fromDbTime(r.finished_at),
    error: r.error,
  }));
}

/**
 * An HTTP receiver (a rollback webhook, say) that answers after `delayMs`: a rollback awaits
 * its notices before releasing its lease, so a slow receiver keeps the rollback in progress
 * for a known time without touching the rollback's code.
 */
export async function startSlowReceiver(
  delayMs: number,
): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      setTimeout(() => res.end('ok'), delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => received,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
