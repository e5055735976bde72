import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { dialectOf } from './dialect.js';

/** MySQL 8 has no wsrep variables; there is nothing to set. */
const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;
const SESSION_SETUP = `SET SESSION wsrep_sync_wait = IF(@@wsrep_on, ?, @@SESSION.wsrep_sync_wait),
  SESSION tx_isolation = IF(@@wsrep_on, 'READ-COMMITTED', @@SESSION.tx_isolation)`;

interface PoolConnection {
  query(sql: string, values: unknown[], callback: (error: { errno?: number; message: string } | null) => void): void;
}
interface Pool {
  on(event: 'connection', listener: (connection: PoolConnection) => void): void;
}
interface MysqlModule {
  createPool(options: unknown): Pool;
}

/**
 * Two session settings for a connection to a Galera node, made as each pooled connection is
 * created, before the pool hands it out (mysql2 runs a connection's statements in order):
 * - `wsrep_sync_wait`: a read answers from what its node has applied, which can lag what
 *   another node already committed (a job created through one replica was "not found" through
 *   another); this makes each read wait for the cluster's commits first.
 * - READ COMMITTED: under REPEATABLE READ a scan's statements lock the gap before their
 *   `scan_record` key, and the applier inserting a neighbouring key for another node's scan
 *   then aborts the local transaction, which is retried. Nothing in Phasegate relies on a
 *   snapshot across statements: its guards are conditional writes, which is also what Galera
 *   certifies.
 * Call before `initialize()`, which opens the first connection. Elsewhere (MariaDB without
 * Galera, MySQL) it changes nothing.
 */
export function setGaleraSessionPerConnection(dataSource: DataSource, syncWait: number): void {
  if (dialectOf(dataSource) !== 'mysql') return;
  const logger = new Logger('GaleraSession');
  const driver = dataSource.driver as unknown as { mysql: MysqlModule };
  const mysql = driver.mysql;
  driver.mysql = Object.create(mysql, {
    createPool: {
      value: (options: unknown) => {
        const pool = mysql.createPool(options);
        pool.on('connection', (connection) =>
          connection.query(SESSION_SETUP, [syncWait], (error) => {
            if (error && error.errno !== ER_UNKNOWN_SYSTEM_VARIABLE)
              logger.warn({ msg: 'could not set wsrep_sync_wait on a new connection', error: error.message });
          }),
        );
        return pool;
      },
    },
  }) as MysqlModule;
}

export type GaleraNodeState = { galera: false } | { galera: true; ready: boolean; state: string; clusterSize: number };

/**
 * Whether this server is a Galera node and, if so, whether it may serve: a node that is
 * joining, donating or cut off from the primary component answers `SELECT 1` but refuses or
 * delays real statements (errno 1047), so a load balancer must not send it clients.
 */
export async function galeraNodeState(dataSource: DataSource): Promise<GaleraNodeState> {
  if (dialectOf(dataSource) !== 'mysql') return { galera: false };
  // MySQL 8 has no wsrep_on: no row at all
  const [on] = await dataSource.query<Array<{ Value: string } | undefined>>(`SHOW VARIABLES LIKE 'wsrep_on'`);
  if ((on?.Value ?? 'OFF').toUpperCase() !== 'ON') return { galera: false };
  const rows: Array<{ Variable_name: string; Value: string }> = await dataSource.query(
    `SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_local_state_comment', 'wsrep_cluster_size')`,
  );
  const status = new Map(rows.map((r) => [r.Variable_name.toLowerCase(), r.Value]));
  const state = status.get('wsrep_local_state_comment') ?? 'unknown';
  return {
    galera: true,
    ready: status.get('wsrep_ready') === 'ON' && state === 'Synced',
    state,
    clusterSize: Number(status.get('wsrep_cluster_size') ?? 0),
  };
}
