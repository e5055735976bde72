import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { dialectOf } from '../../database/dialect.js';
import { BackupManifest, MANIFEST_FILE, verifyFile } from './backup.service.js';
import { RestoreRowsRepository, type BackupRow } from './restore-rows.repository.js';
import { describeRowSet, digestRows } from './row-stream.js';
import type { BackupItem } from './schema-backup.entity.js';

export interface RestoredItem {
  table: string;
  column?: string;
  rows: number;
}

export interface RestoreResult {
  location: string;
  phase: number;
  items: RestoredItem[];
  durationMs: number;
}

/** Parameters per statement stay well under SQLite's 32766 and MySQL's 65535. */
const MAX_PARAMS = 30_000;
const MAX_BATCH_ROWS = 1000;

/**
 * Puts a verified backup back: upserts table rows by primary key (so rows a migration seeded
 * again take the backed-up values, and a second run changes nothing) and writes owned columns
 * back by row key, a batch at a time, then checks each table and column against the
 * manifest's row count and sha256: rows that are not in the backup make the check fail.
 */
@Injectable()
export class RestoreService {
  private readonly logger = new Logger(RestoreService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rows: RestoreRowsRepository,
  ) {}

  async readManifest(dir: string): Promise<BackupManifest> {
    const location = resolve(dir);
    let manifest: BackupManifest;
    try {
      manifest = JSON.parse(await readFile(join(location, MANIFEST_FILE), 'utf8'));
    } catch (error) {
      throw DomainError.validation([
        { field: 'from', messages: [`${location} holds no readable ${MANIFEST_FILE}: ${(error as Error).message}`] },
      ]);
    }
    if (manifest.format !== 'phasegate-backup/1')
      throw DomainError.validation([{ field: 'from', messages: [`unknown backup format ${manifest.format}`] }]);
    if (manifest.dialect !== dialectOf(this.dataSource)) {
      throw new DomainError(
        ErrorCode.UnsafeRequest,
        `Backup was taken on ${manifest.dialect}; this database is ${dialectOf(this.dataSource)}`,
      );
    }
    return manifest;
  }

  async restore(dir: string): Promise<RestoreResult> {
    const started = Date.now();
    const location = resolve(dir);
    const manifest = await this.readManifest(location);
    for (const item of manifest.items) await verifyFile(location, item);
    const qr = this.dataSource.createQueryRunner();
    try {
      // every target must exist before anything is written
      for (const item of manifest.items) await this.target(qr, manifest.phase, item);
      const items: RestoredItem[] = [];
      for (const item of [...manifest.items].sort(
        (a, b) => Number(a.column !== undefined) - Number(b.column !== undefined),
      )) {
        await this.writeBack(qr, location, item);
        const now = await digestRows(qr, await this.target(qr, manifest.phase, item));
        if (now.rows !== item.rows || now.sha256 !== item.sha256) {
          throw new DomainError(
            ErrorCode.Conflict,
            `${nameOf(item)} does not match the backup after restoring (${now.rows} rows now, ${item.rows} in the backup): rows were added or changed since the backup was taken`,
            { table: item.table, column: item.column ?? null, rows: now.rows, expectedRows: item.rows },
          );
        }
        items.push({ table: item.table, ...(item.column ? { column: item.column } : {}), rows: item.rows });
      }
      const result = { location, phase: manifest.phase, items, durationMs: Date.now() - started };
      this.logger.log({ msg: 'backup restored', location, phase: manifest.phase, durationMs: result.durationMs });
      return result;
    } finally {
      await qr.release();
    }
  }

  private async target(qr: QueryRunner, phase: number, item: BackupItem) {
    const set = await describeRowSet(qr, item.table, item.column);
    if (!set) {
      throw new DomainError(
        ErrorCode.SchemaNotApplied,
        `${nameOf(item)} does not exist: bring phase ${phase}'s schema back first (phases enable --phase ${phase})`,
        { phase },
      );
    }
    return set;
  }

  private async writeBack(qr: QueryRunner, location: string, item: BackupItem): Promise<void> {
    const types = await this.rows.columnTypes(qr, item.table);
    const batchRows = Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(MAX_PARAMS / (item.columns.length * 2))));
    let batch: BackupRow[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await (item.column
        ? this.rows.updateColumn(qr, item, batch, types)
        : this.rows.upsertRows(qr, item, batch, types));
      batch = [];
    };
    for await (const line of createInterface({
      input: createReadStream(join(location, item.file)),
      crlfDelay: Infinity,
    })) {
      if (line === '') continue;
      batch.push(JSON.parse(line));
      if (batch.length >= batchRows) await flush();
    }
    await flush();
  }
}

function nameOf(item: { table: string; column?: string }): string {
  return item.column ? `${item.table}.${item.column}` : item.table;
}
