import { mkdir } from 'node:fs/promises';

/**
 * Backups hold whatever the database holds (People data from Phase 9 among it), so the
 * folders and files a backup creates are the owner's alone. The umask can only take bits
 * away from these modes; a folder that already existed (BACKUP_DIR itself) keeps its own.
 */
export const OWNER_DIR_MODE = 0o700;
export const OWNER_FILE_MODE = 0o600;

/** Creates `path` (and missing parents) readable by the owner only; throws EEXIST when `exclusive` and it exists. */
export async function mkdirOwnerOnly(path: string, exclusive = false): Promise<void> {
  await mkdir(path, { recursive: !exclusive, mode: OWNER_DIR_MODE });
}
