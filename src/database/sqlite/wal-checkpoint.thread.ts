import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** What WalCheckpointWorker hands the thread. */
export interface WalCheckpointThreadData {
  path: string;
  intervalMs: number;
  timeoutMs: number;
}

/*
 * The checkpoint thread's whole program: its own connection (a connection is not shared
 * between threads) copying the WAL back into the database with PASSIVE checkpoints, which
 * neither wait for nor block the writer. A checkpoint that fails (the file locked past the
 * timeout by a backup, say) is reported and the next one tries again; a message from the
 * parent stops it.
 */
const { path, intervalMs, timeoutMs } = workerData as WalCheckpointThreadData;
if (!parentPort) throw new Error('wal-checkpoint.thread runs only as a worker thread (WalCheckpointWorker starts it)');
const port = parentPort;
let db: Database.Database;
try {
  db = new Database(path, { fileMustExist: true, timeout: timeoutMs });
} catch (error) {
  // a driver error crosses to the parent thread as its code alone, so its message is copied
  // into a plain Error and the driver's error does not go along as a cause
  // eslint-disable-next-line preserve-caught-error -- the cause must not cross the thread boundary
  throw new Error(`cannot open ${path}: ${error instanceof Error ? error.message : String(error)}`);
}
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    port.postMessage(error instanceof Error ? error.message : String(error));
  }
}, intervalMs);
port.once('message', () => {
  clearInterval(timer);
  db.close();
  port.close();
});
