import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';

/** Identifies the flow that holds the connection: the object itself, not its contents. */
type Holder = object;

/** Told how long each transaction held the connection, and who opened it. */
export type HoldObserver = (seconds: number, opener: () => string) => void;

const holders = new AsyncLocalStorage<Holder>();
/** By the shared query runner: a DataSource destroyed and initialised again gets a new one, and a new gate. */
const gates = new WeakMap<QueryRunner, SqliteConnectionGate>();
/** Transaction control, as TypeORM's SQLite query runner sends it: only a holder may. */
const TRANSACTION_CONTROL = /^\s*(BEGIN|SAVEPOINT|RELEASE|COMMIT|END|ROLLBACK)\b/i;
/** TypeORM's BEGIN, which defers the write lock to the transaction's first write. */
const DEFERRED_BEGIN = /^\s*BEGIN(\s+DEFERRED)?(\s+TRANSACTION)?\s*;?\s*$/i;
/** Stack frames of the transaction machinery itself, which name no transaction. */
const MACHINERY = /[/\\]database[/\\](transaction|sqlite[/\\]connection-gate)\.[jt]s/;

/**
 * TypeORM runs all of SQLite on one connection, through one shared query runner, so whatever
 * another flow sends while a transaction awaits between its statements becomes part of that
 * transaction: a second transaction nests as its savepoint, and a lone write commits or rolls
 * back with it (a route refused with a version conflict took a job's lease row or a rollback's
 * step with it). The gate gives the connection to one transaction at a time, in arrival order,
 * and queues any statement from another flow behind the transaction holding it. A flow knows
 * its own statements through AsyncLocalStorage, which follows every await and call made
 * inside the transaction's work. A transaction opened any other way (TypeORM's own around a
 * save() outside inTransaction) is refused: it would begin beside the queue, and the next
 * holder's commit would end it. MySQL has a connection per transaction and needs none of it.
 *
 * Each transaction takes the file's write lock at BEGIN (IMMEDIATE), as the lean emergency
 * path does. A deferred one that has read and then writes while another process (a second
 * `migrate`, a CLI beside the server) holds the lock fails at once with SQLITE_BUSY: SQLite
 * calls no busy handler there, to avoid a deadlock. At BEGIN it waits out the busy timeout
 * instead. Within the process the gate already runs one transaction at a time.
 */
export class SqliteConnectionGate {
  private tail: Promise<unknown> = Promise.resolve();
  private holder: Holder | null = null;
  private observer?: HoldObserver;

  private constructor(runner: QueryRunner) {
    const query = runner.query.bind(runner) as (sql: string, ...rest: unknown[]) => Promise<unknown>;
    (runner as { query: unknown }).query = (sql: string, ...rest: unknown[]) => {
      if (this.holds()) return query(DEFERRED_BEGIN.test(sql) ? 'BEGIN IMMEDIATE' : sql, ...rest);
      if (TRANSACTION_CONTROL.test(sql)) {
        return Promise.reject(
          new Error(
            'SQLite transactions go through inTransaction (a single-row save() or remove() outside one passes ONE_ROW)',
          ),
        );
      }
      return this.holder === null ? query(sql, ...rest) : this.queue(() => query(sql, ...rest));
    };
  }

  static of(dataSource: DataSource): SqliteConnectionGate {
    const runner = dataSource.createQueryRunner();
    let gate = gates.get(runner);
    if (!gate) {
      gate = new SqliteConnectionGate(runner);
      gates.set(runner, gate);
    }
    return gate;
  }

  /** Reports every hold from now on to `observer` (the one given last). */
  observe(observer: HoldObserver): void {
    this.observer = observer;
  }

  /**
   * Runs `work` (which opens, commits or rolls back its transaction) holding the connection,
   * after everything queued before it. Never call it from inside `work`: it would wait for itself.
   */
  hold<T>(work: () => Promise<T>): Promise<T> {
    const holder: Holder = {};
    // V8 formats a captured stack only when it is read: the observer reads it for a long hold
    const site: { stack?: string } = {};
    if (this.observer) Error.captureStackTrace(site);
    return this.queue(async () => {
      this.holder = holder;
      const started = performance.now();
      try {
        return await holders.run(holder, work);
      } finally {
        this.holder = null;
        this.observer?.((performance.now() - started) / 1000, () => openerOf(site.stack));
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

/** The first stack frame outside the transaction machinery: where the transaction was opened. */
function openerOf(stack: string | undefined): string {
  const frame = stack
    ?.split('\n')
    .slice(1)
    .find((line) => !MACHINERY.test(line));
  return frame?.trim().replace(/^at /, '') ?? 'unknown';
}
