import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PROJECT_ROOT } from '../../config/project-root.js';
import type { WalCheckpointThreadData } from './wal-checkpoint.thread.js';

/** The thread's program is tsc's build of it, whether this file runs from there, a bundle or the sources (jest). */
const THREAD = join(PROJECT_ROOT, 'dist/src/database/sqlite/wal-checkpoint.thread.js');

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
    const workerData: WalCheckpointThreadData = { path, intervalMs, timeoutMs: 10_000 };
    const worker = new Worker(THREAD, { workerData });
    // it must not keep a CLI command's process alive; stop() takes the reference back
    worker.unref();
    const self = new WalCheckpointWorker(worker);
    let failure: Error | undefined;
    worker.on('message', (message: string) => events.checkpointFailed(message));
    worker.on('error', (error: unknown) => {
      // what crossed the thread boundary is an Error again only if it carried a message
      const message =
        typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
      failure = typeof message === 'string' ? (error as Error) : new Error(JSON.stringify(error));
    });
    worker.on(
      'exit',
      (code) => self.stopping || events.stopped(failure ?? new Error(`checkpoint worker exited with code ${code}`)),
    );
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
