import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';

/** Identifies the flow that holds the connection: the object itself, not its contents. */
type Holder = object;

const holders = new AsyncLocalStorage<Holder>();
const gates = new WeakMap<DataSource, SqliteConnectionGate>();
/** How often a transaction waiting to begin looks again while another one that skipped the queue is open. */
const BUSY_POLL_MS = 1;

/**
 * TypeORM runs all of SQLite on one connection, through one shared query runner, so whatever
 * another flow sends while a transaction awaits between its statements becomes part of that
 * transaction: a second transaction nests as its savepoint, and a lone write commits or rolls
 * back with it (a route refused with a version conflict took a job's lease row or a rollback's
 * step with it). The gate gives the connection to one transaction at a time, in arrival order,
 * and queues any statement from another flow behind the transaction holding it. A flow knows
 * its own statements through AsyncLocalStorage, which follows every await and call made
 * inside the transaction's work. MySQL has a connection per transaction and needs none of it.
 */
export class SqliteConnectionGate {
  private tail: Promise<unknown> = Promise.resolve();
  private holder: Holder | null = null;

  private constructor(private readonly runner: QueryRunner) {
    const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
    (runner as { query: unknown }).query = (...args: unknown[]) => (this.holder === null || this.holds() ? query(...args) : this.queue(() => query(...args)));
  }

  static of(dataSource: DataSource): SqliteConnectionGate {
    let gate = gates.get(dataSource);
    if (!gate) {
      gate = new SqliteConnectionGate(dataSource.createQueryRunner());
      gates.set(dataSource, gate);
    }
    return gate;
  }

  /**
   * Runs `work` (which opens, commits or rolls back its transaction) holding the connection,
   * after everything queued before it. Never call it from inside `work`: it would wait for itself.
   */
  hold<T>(work: () => Promise<T>): Promise<T> {
    const holder: Holder = {};
    return this.queue(async () => {
      // a transaction TypeORM opened on its own (save() outside any transaction) is not in the queue
      while (this.runner.isTransactionActive) await new Promise((resolve) => setTimeout(resolve, BUSY_POLL_MS));
      this.holder = holder;
      try {
        return await holders.run(holder, work);
      } finally {
        this.holder = null;
      }
    });
  }

  private holds(): boolean {
    return this.holder !== null && holders.getStore() === this.holder;
  }

  private queue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
