import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The thread's whole program, run as a script: its own connection (a connection is not shared
 * between threads) copying the WAL back into the database with PASSIVE checkpoints, which
 * neither wait for nor block the writer. A checkpoint that fails (the file locked past the
 * timeout by a backup, say) is reported and the next one tries again.
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true, timeout: workerData.timeoutMs });
} catch (error) {
  // a driver error crosses to the parent thread as its code alone
  throw new Error('cannot open ' + workerData.path + ': ' + error.message);
}
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage(String((error && error.message) || error));
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointEvents {
  /** A checkpoint failed; the worker goes on. */
  checkpointFailed(message: string): void;
  /** The worker is gone (it could not open the database, or died); no more checkpoints. */
  stopped(error: Error): void;
}

/** A worker thread checkpointing one SQLite database in WAL mode every `intervalMs`. */
export class WalCheckpointWorker {
  private stopping = false;
  private readonly exited: Promise<unknown>;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((done) => worker.once('exit', done));
  }

  static start(path: string, intervalMs: number, events: WalCheckpointEvents): WalCheckpointWorker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(SOURCE, { eval: true, workerData: { driver, path, intervalMs, timeoutMs: 10_000 } });
    // it must not keep a CLI command's process alive; stop() takes the reference back
    worker.unref();
    const self = new WalCheckpointWorker(worker);
    let failure: Error | undefined;
    worker.on('message', (message: string) => events.checkpointFailed(message));
    worker.on('error', (error: unknown) => (failure = typeof (error as Error)?.message === 'string' ? (error as Error) : new Error(JSON.stringify(error))));
    worker.on('exit', (code) => self.stopping || events.stopped(failure ?? new Error(`checkpoint worker exited with code ${code}`)));
    return self;
  }

  /** Closes the worker's connection and waits for the thread to end. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // unreferenced, the thread would let the process end before it has closed its connection
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
