import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { dialectOf } from '../../database/dialect.js';
import { queryRunnerTransaction } from '../../database/transaction.js';
import { PhaseSchema, schemaOf } from '../guard/migration-guard.js';
import { PhaseRegistry } from '../phase-registry.service.js';
import type { BackupManifest } from './backup.service.js';
import { MANIFEST_FILE, verifyFile } from './jsonl-file.js';
import { RestoreRowsRepository, type BackupRow } from './restore-rows.repository.js';
import { describeRowSet, digestRows, RowSet } from './row-stream.js';
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
 * Only the phase's owned tables and columns are accepted, by its definition; the column
 * names come from the live schema; everything runs in one transaction, all or nothing.
 */
@Injectable()
export class RestoreService {
  private readonly logger = new Logger(RestoreService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rows: RestoreRowsRepository,
    private readonly registry: PhaseRegistry,
  ) {}

  async readManifest(dir: string): Promise<BackupManifest> {
    const location = resolve(dir);
    // the file is input until every field below has been checked
    let manifest: Record<keyof BackupManifest, unknown>;
    try {
      manifest = JSON.parse(await readFile(join(location, MANIFEST_FILE), 'utf8')) as typeof manifest;
    } catch (error) {
      throw DomainError.validation([
        { field: 'from', messages: [`${location} holds no readable ${MANIFEST_FILE}: ${(error as Error).message}`] },
      ]);
    }
    if (manifest.format !== 'phasegate-backup/1')
      throw DomainError.validation([{ field: 'from', messages: [`unknown backup format ${String(manifest.format)}`] }]);
    if (!Number.isInteger(manifest.phase) || !Array.isArray(manifest.items) || !manifest.items.every(isItemShaped))
      throw DomainError.validation([
        { field: 'from', messages: [`${MANIFEST_FILE} lacks its phase or a valid item list`] },
      ]);
    if (manifest.dialect !== dialectOf(this.dataSource)) {
      throw new DomainError(
        ErrorCode.UnsafeRequest,
        `Backup was taken on ${String(manifest.dialect)}; this database is ${dialectOf(this.dataSource)}`,
      );
    }
    return manifest as BackupManifest;
  }

  async restore(dir: string): Promise<RestoreResult> {
    const started = Date.now();
    const location = resolve(dir);
    const manifest = await this.readManifest(location);
    const owned = schemaOf(this.registry.get(manifest.phase));
    refuseUnsafeItems(manifest, owned);
    for (const item of manifest.items) await verifyFile(location, item);
    const ordered = [...manifest.items].sort((a, b) => Number(a.column !== undefined) - Number(b.column !== undefined));
    // all or nothing: a check that fails after some tables were written takes every write back
    const items = await queryRunnerTransaction(this.dataSource, async (qr) => {
      const targets: Array<[BackupItem, RowSet]> = [];
      // every target must exist, with every column the backup holds, before anything is written
      for (const item of ordered)
        targets.push([item, await this.target(qr, manifest.phase, item, derivedOf(owned, item))]);
      const restored: RestoredItem[] = [];
      for (const [item, set] of targets) {
        await this.writeBack(qr, location, item, set);
        const now = await digestRows(qr, set);
        if (now.rows !== item.rows || now.sha256 !== item.sha256) {
          throw new DomainError(
            ErrorCode.Conflict,
            `${nameOf(item)} does not match the backup after restoring (${now.rows} rows now, ${item.rows} in the backup): rows were added or changed since the backup was taken; nothing was restored`,
            { table: item.table, column: item.column ?? null, rows: now.rows, expectedRows: item.rows },
          );
        }
        restored.push({ table: item.table, ...(item.column ? { column: item.column } : {}), rows: item.rows });
      }
      // backups leave derived columns out: the restored rows get them from their own columns
      for (const table of owned.tables)
        if (table.derived && manifest.items.some((i) => i.table === table.name && !i.column))
          await table.derived.fill(qr);
      return restored;
    });
    const result = { location, phase: manifest.phase, items, durationMs: Date.now() - started };
    this.logger.log({ msg: 'backup restored', location, phase: manifest.phase, durationMs: result.durationMs });
    return result;
  }

  /** The live row set of an owned table or column; the backup's columns must all be in it. */
  private async target(qr: QueryRunner, phase: number, item: BackupItem, derived: readonly string[]): Promise<RowSet> {
    const set = await describeRowSet(qr, item.table, item.column, derived);
    if (!set) {
      throw new DomainError(
        ErrorCode.SchemaNotApplied,
        `${nameOf(item)} does not exist: bring phase ${phase}'s schema back first (phases enable --phase ${phase})`,
        { phase },
      );
    }
    const unknown = item.columns.filter((c) => !set.columns.includes(c));
    if (unknown.length)
      throw new DomainError(
        ErrorCode.UnsafeRequest,
        `Backup manifest names columns ${nameOf(item)} does not have: ${unknown.join(', ')}; nothing was restored`,
        { table: item.table, columns: unknown },
      );
    return set;
  }

  private async writeBack(qr: QueryRunner, location: string, item: BackupItem, set: RowSet): Promise<void> {
    const types = await this.rows.columnTypes(qr, set.table);
    const batchRows = Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(MAX_PARAMS / (set.columns.length * 2))));
    let batch: BackupRow[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await (set.column ? this.rows.updateColumn(qr, set, batch, types) : this.rows.upsertRows(qr, set, batch, types));
      batch = [];
    };
    for await (const line of createInterface({
      input: createReadStream(join(location, item.file)),
      crlfDelay: Infinity,
    })) {
      if (line === '') continue;
      batch.push(JSON.parse(line) as BackupRow);
      if (batch.length >= batchRows) await flush();
    }
    await flush();
  }
}

/**
 * A manifest is text anyone with access to the folder can edit: it may only name the
 * phase's own tables and columns (by its definition), and files by plain names inside the
 * backup folder. Refused as a whole, before any file is read.
 */
function refuseUnsafeItems(manifest: BackupManifest, owned: PhaseSchema): void {
  const problems: string[] = [];
  for (const item of manifest.items) {
    const isOwned = item.column
      ? owned.columns.some((c) => c.table === item.table && c.column === item.column)
      : owned.tables.some((t) => t.name === item.table);
    if (!isOwned) problems.push(`${nameOf(item)} is not owned by phase ${manifest.phase}`);
    if (!isPlainFileName(item.file))
      problems.push(`file ${JSON.stringify(item.file)} is not a plain file name inside the backup folder`);
  }
  if (problems.length)
    throw new DomainError(
      ErrorCode.UnsafeRequest,
      `Backup manifest refused: ${problems.join('; ')}; nothing was restored`,
      {
        problems,
      },
    );
}

function derivedOf(owned: PhaseSchema, item: BackupItem): readonly string[] {
  return item.column ? [] : (owned.tables.find((t) => t.name === item.table)?.derived?.columns ?? []);
}

function isItemShaped(item: unknown): boolean {
  const i = item as Partial<BackupItem> | null;
  return (
    typeof i?.table === 'string' &&
    (i.column === undefined || typeof i.column === 'string') &&
    Array.isArray(i.columns) &&
    Number.isInteger(i.rows) &&
    typeof i.sha256 === 'string'
  );
}

function isPlainFileName(file: unknown): boolean {
  return (
    typeof file === 'string' &&
    file !== '' &&
    file !== '.' &&
    file !== '..' &&
    basename(file) === file &&
    !/[/\\\0]/.test(file) &&
    !isAbsolute(file)
  );
}

function nameOf(item: { table: string; column?: string }): string {
  return item.column ? `${item.table}.${item.column}` : item.table;
}
