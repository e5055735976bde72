import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, mkdir, open, rm, statfs, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { Environment } from '../../config/environment.js';
import { Dialect, dialectOf } from '../../database/dialect.js';
import type { PhaseSchema } from '../guard/migration-guard.js';
import { describeRowSet, readBatches, RowSet, rowLine } from './row-stream.js';
import type { BackupItem } from './schema-backup.entity.js';
import { SchemaBackupRepository } from './schema-backup.repository.js';

export const MANIFEST_FILE = 'manifest.json';

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

/** Below this much free space the backup directory counts as full before a single byte is written. */
const MIN_FREE_BYTES = 1024 * 1024;

const FS_ERRORS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a path component is not a directory',
  // what a recursive mkdir reports under a read-only mount, as well as for a vanished parent
  ENOENT: 'the directory does not exist and cannot be created',
  EEXIST: 'the backup directory already exists',
};

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
  async preflight(): Promise<void> {
    try {
      await mkdir(this.baseDir, { recursive: true });
      await access(this.baseDir, constants.W_OK);
      const probe = join(this.baseDir, `.probe-${process.pid}`);
      await writeFile(probe, 'probe');
      await rm(probe, { force: true });
      const fs = await statfs(this.baseDir);
      if (fs.bavail * fs.bsize < MIN_FREE_BYTES) throw Object.assign(new Error('no free space'), { code: 'ENOSPC' });
    } catch (error) {
      throw this.unusable(error);
    }
  }

  async backup(schema: PhaseSchema, actor: string): Promise<BackupResult> {
    const started = Date.now();
    await this.preflight();
    const location = join(this.baseDir, `${new Date().toISOString().replace(/[-:.]/g, '')}-phase${schema.phase}`);
    const qr = this.dataSource.createQueryRunner();
    try {
      await mkdir(location);
      const items: BackupItem[] = [];
      for (const target of [...schema.tables.map((t) => ({ table: t.name, column: undefined })), ...schema.columns]) {
        const set = await describeRowSet(qr, target.table, target.column);
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
      throw error instanceof DomainError ? error : this.unusable(error);
    } finally {
      await qr.release();
    }
  }

  private async writeItem(qr: QueryRunner, set: RowSet, location: string): Promise<BackupItem> {
    const file = set.column ? `${set.table}.${set.column}.jsonl` : `${set.table}.jsonl`;
    const hash = createHash('sha256');
    let rows = 0;
    let bytes = 0;
    async function* lines() {
      for await (const batch of readBatches(qr, set)) {
        const chunk = Buffer.from(batch.map((r) => rowLine(r, set.columns)).join(''));
        hash.update(chunk);
        rows += batch.length;
        bytes += chunk.length;
        yield chunk;
      }
    }
    await pipeline(Readable.from(lines()), createWriteStream(join(location, file), { flags: 'wx' }));
    await fsync(join(location, file));
    return {
      table: set.table,
      ...(set.column ? { column: set.column } : {}),
      key: set.key,
      columns: set.columns,
      file,
      rows,
      bytes,
      sha256: hash.digest('hex'),
    };
  }

  private unusable(error: unknown): DomainError {
    const code = (error as NodeJS.ErrnoException)?.code ?? '';
    const why = FS_ERRORS[code] ?? (error instanceof Error ? error.message : String(error));
    return new DomainError(
      ErrorCode.UnsafeRequest,
      `Backup directory ${this.baseDir} cannot take the backup (${code ? `${code}: ` : ''}${why}); nothing was dropped`,
      {
        backupDir: this.baseDir,
        fsError: code || null,
      },
    );
  }
}

/** Reads a backup file back: its line count and sha256 must equal the manifest's. */
export async function verifyFile(location: string, item: BackupItem): Promise<void> {
  const hash = createHash('sha256');
  let rows = 0;
  for await (const chunk of createReadStream(join(location, item.file))) {
    hash.update(chunk as Buffer);
    for (let at = (chunk as Buffer).indexOf(10); at !== -1; at = (chunk as Buffer).indexOf(10, at + 1)) rows++;
  }
  const sha256 = hash.digest('hex');
  if (rows !== item.rows || sha256 !== item.sha256) {
    throw new DomainError(
      ErrorCode.Conflict,
      `Backup file ${item.file} does not match its manifest (${rows} rows, sha256 ${sha256.slice(0, 12)}; expected ${item.rows}, ${item.sha256.slice(0, 12)})`,
      {
        file: item.file,
      },
    );
  }
}

async function writeDurably(path: string, content: string): Promise<void> {
  await writeFile(path, content, { flag: 'wx' });
  await fsync(path);
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
