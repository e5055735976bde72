import { access, constants, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { mkdirOwnerOnly, OWNER_FILE_MODE } from './owner-only.js';

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

/** What a directory is written for, in the words of the refusal when it cannot be. */
export interface DirectoryUse {
  /** What it could not take: "the backup". */
  what: string;
  /** What the failure left as it was: "nothing was dropped". */
  unchanged: string;
}

/** A phase or full backup, taken before anything is dropped. */
export const BACKUP_USE: DirectoryUse = { what: 'the backup', unchanged: 'nothing was dropped' };

/** Refuses (UNSAFE_REQUEST, saying why) when `dir` cannot be created owner-only, written, or is full. */
export async function preflightDirectory(dir: string, use: DirectoryUse = BACKUP_USE): Promise<void> {
  try {
    await mkdirOwnerOnly(dir);
    await access(dir, constants.W_OK);
    const probe = join(dir, `.probe-${process.pid}`);
    await writeFile(probe, 'probe', { mode: OWNER_FILE_MODE });
    await rm(probe, { force: true });
    const fs = await statfs(dir);
    if (fs.bavail * fs.bsize < MIN_FREE_BYTES) throw Object.assign(new Error('no free space'), { code: 'ENOSPC' });
  } catch (error) {
    throw unusableDirectory(dir, error, use);
  }
}

/** The refusal for what `dir` could not take, naming the file-system error. */
export function unusableDirectory(dir: string, error: unknown, use: DirectoryUse = BACKUP_USE): DomainError {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: string } | null)?.code ?? '';
  const why = FS_ERRORS[code] ?? (error instanceof Error ? error.message : String(error));
  return new DomainError(
    ErrorCode.UnsafeRequest,
    `Backup directory ${dir} cannot take ${use.what} (${code ? `${code}: ` : ''}${why}); ${use.unchanged}`,
    { backupDir: dir, fsError: code || null },
  );
}
