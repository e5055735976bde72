import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { Environment } from '../../config/environment.js';
import { Dialect, dialectOf } from '../../database/dialect.js';
import { ownedTargets, type PhaseSchema } from '../guard/migration-guard.js';
import { preflightDirectory, unusableDirectory } from './backup-directory.js';
import { MANIFEST_FILE, verifyFile, writeDurably, writeJsonl } from './jsonl-file.js';
import { mkdirOwnerOnly } from './owner-only.js';
import { describeRowSet, readBatches, RowSet } from './row-stream.js';
import type { BackupItem } from './schema-backup.entity.js';
import { SchemaBackupRepository } from './schema-backup.repository.js';

export interface BackupManifest {
  format: 'phasegate-backup/1';
  phase: number;
  createdAt: string;
  dialect: Dialect;
  items: BackupItem[];
}

export interface BackupResult {
  id: number;
  location: string;
  rows: number;
  bytes: number;
  durationMs: number;
  items: BackupItem[];
}

/**
 * Writes a phase's owned tables and columns to BACKUP_DIR/<time>-phase<N>/ as JSON lines,
 * streamed batch by batch, then reads every file back and records the backup in
 * `schema_backup` only when each file's row count and sha256 match what was written.
 */
@Injectable()
export class BackupService {
  private readonly logger = new Logger(BackupService.name);
  readonly baseDir: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly backups: SchemaBackupRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.baseDir = resolve(config.get('BACKUP_DIR', { infer: true }));
  }

  /** Refuses (UNSAFE_REQUEST, saying why) when the backup directory cannot be written or is full. */
  preflight(): Promise<void> {
    return preflightDirectory(this.baseDir);
  }

  async backup(schema: PhaseSchema, actor: string): Promise<BackupResult> {
    const started = Date.now();
    await this.preflight();
    const location = join(this.baseDir, `${new Date().toISOString().replace(/[-:.]/g, '')}-phase${schema.phase}`);
    const qr = this.dataSource.createQueryRunner();
    try {
      await mkdirOwnerOnly(location, true);
      const items: BackupItem[] = [];
      for (const target of ownedTargets(schema)) {
        const set = await describeRowSet(qr, target.table, target.column, target.derived);
        if (set) items.push(await this.writeItem(qr, set, location));
      }
      for (const item of items) await verifyFile(location, item);
      const manifest: BackupManifest = {
        format: 'phasegate-backup/1',
        phase: schema.phase,
        createdAt: new Date(started).toISOString(),
        dialect: dialectOf(this.dataSource),
        items,
      };
      await writeDurably(join(location, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
      // on the connection this holds: a second one from the pool could be the one it lacks
      const id = await this.backups.recordVerified(
        qr.manager,
        { phase: schema.phase, location, items, createdBy: actor, createdAt: new Date(started) },
        new Date(),
      );
      const rows = items.reduce((n, i) => n + i.rows, 0);
      const result = {
        id,
        location,
        rows,
        bytes: items.reduce((n, i) => n + i.bytes, 0),
        durationMs: Date.now() - started,
        items,
      };
      this.logger.log({
        msg: 'phase backup verified',
        phase: schema.phase,
        location,
        rows,
        durationMs: result.durationMs,
      });
      return result;
    } catch (error) {
      // a half-written backup is useless and may be what filled the disk
      await rm(location, { recursive: true, force: true }).catch(() => undefined);
      throw unusableDirectory(this.baseDir, error);
    } finally {
      await qr.release();
    }
  }

  private async writeItem(qr: QueryRunner, set: RowSet, location: string): Promise<BackupItem> {
    const file = set.column ? `${set.table}.${set.column}.jsonl` : `${set.table}.jsonl`;
    const written = await writeJsonl(location, file, set.columns, readBatches(qr, set));
    return {
      table: set.table,
      ...(set.column ? { column: set.column } : {}),
      key: set.key,
      columns: set.columns,
      ...written,
    };
  }
}
