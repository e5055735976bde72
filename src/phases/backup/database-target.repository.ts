import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { q } from './row-stream.js';

/**
 * The MySQL/MariaDB database a full backup is loaded into, on the server the app uses: the
 * live one, or a scratch one beside it (a drill's copy, dropped when it is done). A dump
 * recreates only the tables it holds, so the target is emptied first: a table created after
 * the backup would otherwise survive it.
 */
@Injectable()
export class DatabaseTargetRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  liveName(): string {
    return String(this.dataSource.options.database);
  }

  async prepareEmpty(name: string): Promise<void> {
    await this.dataSource.query(
      `CREATE DATABASE IF NOT EXISTS ${q(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    const objects: Array<{ name: string; type: string }> = await this.dataSource.query(
      `SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE table_schema = ?`,
      [name],
    );
    if (objects.length === 0) return;
    const qr = this.dataSource.createQueryRunner();
    try {
      // on one connection: the session setting lets tables go in any order whatever their foreign keys
      await qr.query('SET FOREIGN_KEY_CHECKS = 0');
      for (const o of objects)
        await qr.query(`DROP ${o.type === 'VIEW' ? 'VIEW' : 'TABLE'} IF EXISTS ${q(name)}.${q(o.name)}`);
    } finally {
      await qr.query('SET FOREIGN_KEY_CHECKS = 1').catch(() => undefined);
      await qr.release();
    }
  }

  /** A scratch database only: the callers name one they created beside the live one. */
  async drop(name: string): Promise<void> {
    await this.dataSource.query(`DROP DATABASE IF EXISTS ${q(name)}`);
  }
}
