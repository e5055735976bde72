import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { MysqlDataSourceOptions } from 'typeorm/driver/mysql/MysqlDataSourceOptions.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { Environment } from '../../config/environment.js';
import { Dialect, dialectOf } from '../../database/dialect.js';
import { preflightDirectory, unusableDirectory } from './backup-directory.js';
import { MANIFEST_FILE } from './jsonl-file.js';
import { DatabaseTargetRepository } from './database-target.repository.js';
import { FullBackupRecord } from './full-backup.entity.js';
import { FullBackupRepository } from './full-backup.repository.js';
import { CLIENT_TOOLS, DUMP_TOOLS, runClientTool, ServerLogin } from './mysql-client.js';
import { mkdirOwnerOnly, OWNER_FILE_MODE } from './owner-only.js';
import { backupSqlite, copySqliteFile, processesHolding } from './sqlite-copy.js';

export const FULL_BACKUP_FORMAT = 'phasegate-full-backup/1';

/** What manifest.json beside a full backup's file says; enough to check and restore it without the database. */
export interface FullBackupManifest {
  format: typeof FULL_BACKUP_FORMAT;
  dialect: Dialect;
  /** The backup file's name, in the manifest's folder. */
  file: string;
  bytes: number;
  sha256: string;
  createdAt: string;
  actor: string;
  reason: string | null;
}

export interface FullBackup extends FullBackupRecord {
  /** Whole seconds since it was taken, when this was read. */
  ageSeconds: number;
}

export interface FullRestoreResult {
  /** The backup file restored. */
  location: string;
  /** The database written: an SQLite file or a MariaDB/MySQL database name. */
  target: string;
  sha256: string;
  durationMs: number;
}

/** A manifest as read from disk, before its format is checked. */
type ManifestText = Omit<FullBackupManifest, 'format'> & { format: string };

/** The dump's last line: a dump cut short (a killed process, a full disk) lacks it. */
const DUMP_COMPLETE = /-- Dump completed[^\n]*\n?$/;
const DATABASE_NAME = /^[A-Za-z0-9_]{1,64}$/;

/**
 * Full-database backups with the engines' own tools: SQLite's online backup API, or
 * mariadb-dump (mysqldump) in one consistent transaction, routines and triggers included.
 * Each lands in a folder of its own, readable by the owner only, beside a manifest with its
 * sha256; the file is read back and, when it matches, recorded in `full_backup`. A backup
 * restores into the live database (`restore`, with the server stopped) or into a scratch one
 * (`restoreInto`): an SQLite file, or a database on the same MariaDB server.
 */
@Injectable()
export class FullBackupService {
  private readonly logger = new Logger(FullBackupService.name);
  readonly baseDir: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly records: FullBackupRepository,
    private readonly targets: DatabaseTargetRepository,
    config: ConfigService<Environment, true>,
  ) {
    this.baseDir = resolve(config.get('BACKUP_DIR', { infer: true }));
  }

  /** Takes, verifies and records a full backup in `<to or BACKUP_DIR>/<time>-full/`. */
  async take(options: { to?: string; actor: string; reason?: string }): Promise<FullBackup> {
    const started = new Date();
    const base = resolve(options.to ?? this.baseDir);
    await preflightDirectory(base);
    const dialect = dialectOf(this.dataSource);
    const folder = join(base, `${started.toISOString().replace(/[-:.]/g, '')}-full`);
    const location = join(folder, dialect === 'sqlite' ? 'database.sqlite' : 'database.sql');
    try {
      await mkdirOwnerOnly(folder, true);
      if (dialect === 'sqlite') await this.copySqlite(location);
      else await this.dumpMysql(location);
      const { bytes, sha256 } = await fileDigest(location);
      const manifest: FullBackupManifest = {
        format: FULL_BACKUP_FORMAT,
        dialect,
        file: basename(location),
        bytes,
        sha256,
        createdAt: started.toISOString(),
        actor: options.actor,
        reason: options.reason ?? null,
      };
      await writeFile(join(folder, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', {
        flag: 'wx',
        mode: OWNER_FILE_MODE,
      });
      await syncFile(location);
      await syncFile(join(folder, MANIFEST_FILE));
      // the manifest is read back as a restore would read it: what is recorded is what it checks
      await this.check(location, { bytes, sha256 });
      const record = await this.records.record({
        location,
        dialect,
        bytes,
        sha256,
        actor: options.actor.slice(0, 200),
        reason: options.reason?.slice(0, 1000) ?? null,
        createdAt: started,
        verifiedAt: new Date(),
      });
      this.logger.log({
        msg: 'full backup verified',
        location,
        bytes,
        durationMs: Date.now() - started.getTime(),
      });
      return withAge(record);
    } catch (error) {
      // a half-written backup is useless and may be what filled the disk
      await rm(folder, { recursive: true, force: true }).catch(() => undefined);
      throw failedBackup(base, error);
    }
  }

  /** The newest recorded full backup and its age, or null when none was ever taken on this database. */
  async latestVerified(): Promise<FullBackup | null> {
    const record = await this.records.latest();
    return record && withAge(record);
  }

  /**
   * Reads a backup file back against its manifest (and its record, where this database has
   * one), stamping the record's verified_at; 409 when anything differs, 404 when it is gone.
   */
  async verify(file: string): Promise<FullBackupManifest> {
    const location = resolve(file);
    const manifest = await this.check(location);
    const record = await this.records.byLocation(location);
    if (record) {
      if (record.sha256 !== manifest.sha256 || record.bytes !== manifest.bytes)
        throw new DomainError(ErrorCode.Conflict, `${location} does not match its record #${record.id}`, {
          location,
        });
      await this.records.markVerified(record.id, new Date());
    }
    return manifest;
  }

  /**
   * Loads a verified backup into a scratch database, never the live one: `target` is an
   * SQLite file (replaced if it exists) or the name of a MariaDB/MySQL database on the app's
   * server (created if missing, emptied first).
   */
  async restoreInto(file: string, target: string): Promise<FullRestoreResult> {
    const dialect = dialectOf(this.dataSource);
    const resolved = dialect === 'sqlite' ? resolve(target) : target;
    if (resolved === this.liveTarget())
      throw new DomainError(
        ErrorCode.UnsafeRequest,
        `${target} is the live database: restore --full replaces it, with the server stopped`,
      );
    return this.load(file, resolved);
  }

  /**
   * Replaces the live database with a verified backup. On SQLite the server must be stopped:
   * refused while another process on this host has the file open. On MariaDB/MySQL the
   * database is emptied and the dump loaded; the server should be stopped as well, or its
   * writes meanwhile are lost or half-applied.
   */
  async restore(file: string): Promise<FullRestoreResult> {
    if (dialectOf(this.dataSource) === 'sqlite') {
      const holders = await processesHolding(this.liveTarget());
      if (holders.length)
        throw new DomainError(
          ErrorCode.UnsafeRequest,
          `${this.liveTarget()} is open in process ${holders.join(', ')}: stop the server before restore --full`,
          { pids: holders },
        );
    }
    return this.load(file, this.liveTarget());
  }

  private async load(file: string, target: string): Promise<FullRestoreResult> {
    const started = Date.now();
    const location = resolve(file);
    const manifest = await this.verify(location);
    if (dialectOf(this.dataSource) === 'sqlite') {
      await writeFile(target, '', { flag: 'a', mode: OWNER_FILE_MODE });
      await copySqliteFile(location, target);
    } else {
      if (!DATABASE_NAME.test(target))
        throw DomainError.validation([{ field: 'target', messages: ['a database name: letters, digits, _'] }]);
      await this.targets.prepareEmpty(target);
      await runClientTool(CLIENT_TOOLS, this.login(), ['--default-character-set=utf8mb4', target], {
        stdin: createReadStream(location),
      });
    }
    const result = { location, target, sha256: manifest.sha256, durationMs: Date.now() - started };
    this.logger.log({ msg: 'full backup restored', ...result });
    return result;
  }

  /** The manifest beside `location`, after the file's size and sha256 matched it (`read`: as just read back). */
  private async check(location: string, read?: { bytes: number; sha256: string }): Promise<FullBackupManifest> {
    let manifest: ManifestText;
    try {
      manifest = JSON.parse(await readFile(join(dirname(location), MANIFEST_FILE), 'utf8')) as ManifestText;
      await stat(location);
    } catch (error) {
      throw new DomainError(
        ErrorCode.NotFound,
        `${location} is not a full backup with its ${MANIFEST_FILE}: ${(error as Error).message}`,
      );
    }
    if (manifest.format !== FULL_BACKUP_FORMAT || manifest.file !== basename(location))
      throw DomainError.validation([{ field: 'from', messages: [`${location} is not the file its manifest names`] }]);
    if (manifest.dialect !== dialectOf(this.dataSource))
      throw new DomainError(
        ErrorCode.UnsafeRequest,
        `Backup was taken on ${manifest.dialect}; this database is ${dialectOf(this.dataSource)}`,
      );
    const now = read ?? (await fileDigest(location));
    if (now.sha256 !== manifest.sha256 || now.bytes !== manifest.bytes)
      throw new DomainError(
        ErrorCode.Conflict,
        `${location} does not match its manifest (${now.bytes} bytes, sha256 ${now.sha256.slice(0, 12)}; expected ${manifest.bytes}, ${manifest.sha256.slice(0, 12)})`,
        { location },
      );
    if (manifest.dialect === 'mysql' && !DUMP_COMPLETE.test(await tail(location)))
      throw new DomainError(ErrorCode.Conflict, `${location} is a dump cut short (no "Dump completed" line)`, {
        location,
      });
    return { ...manifest, format: FULL_BACKUP_FORMAT };
  }

  private async copySqlite(location: string): Promise<void> {
    if (this.liveTarget() === ':memory:')
      throw new DomainError(ErrorCode.UnsafeRequest, 'An in-memory SQLite database has no file to back up');
    // created owner-only before SQLite opens it, which would otherwise make it 0644
    await writeFile(location, '', { flag: 'wx', mode: OWNER_FILE_MODE });
    await backupSqlite(this.dataSource, location);
  }

  private async dumpMysql(location: string): Promise<void> {
    await runClientTool(
      DUMP_TOOLS,
      this.login(),
      [
        // one consistent snapshot, without locking the tables the app is writing
        '--single-transaction',
        '--routines',
        '--triggers',
        '--hex-blob',
        '--no-tablespaces',
        '--default-character-set=utf8mb4',
        this.liveTarget(),
      ],
      { stdout: createWriteStream(location, { flags: 'wx', mode: OWNER_FILE_MODE }) },
    );
  }

  private liveTarget(): string {
    return dialectOf(this.dataSource) === 'sqlite' ? String(this.dataSource.options.database) : this.targets.liveName();
  }

  private login(): ServerLogin {
    const o = this.dataSource.options as MysqlDataSourceOptions;
    return { host: o.host ?? 'localhost', port: o.port ?? 3306, user: o.username ?? '', password: o.password ?? '' };
  }
}

/** A file-system error blames the directory; anything else (the dump tool's own failure) is named as it is. */
function failedBackup(base: string, error: unknown): DomainError {
  if (error instanceof DomainError || (error as { code?: unknown } | null)?.code) return unusableDirectory(base, error);
  return new DomainError(
    ErrorCode.UnsafeRequest,
    `Full backup failed: ${error instanceof Error ? error.message : String(error)}; nothing was changed`,
  );
}

function withAge(record: FullBackupRecord): FullBackup {
  return Object.assign(record, {
    ageSeconds: Math.max(0, Math.floor((Date.now() - record.createdAt.getTime()) / 1000)),
  });
}

async function fileDigest(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

async function tail(path: string, bytes = 256): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.min(bytes, size));
    await handle.read(buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
