import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RetentionPolicy } from '../../common/retention/retention-policy.js';
import type { Dialect } from '../../database/dialect.js';
import { preflightDirectory, unusableDirectory, type DirectoryUse } from '../backup/backup-directory.js';
import { JsonlFile, MANIFEST_FILE, verifyFile, writeDurably, writeJsonl } from '../backup/jsonl-file.js';
import { mkdirOwnerOnly } from '../backup/owner-only.js';

export interface ArchiveManifest {
  format: 'phasegate-archive/1';
  table: string;
  key: string;
  /** Rows older than this (and meeting the policy's conditions) were archived. */
  cutoff: string;
  createdAt: string;
  dialect: Dialect;
  columns: string[];
  items: JsonlFile[];
}

/**
 * Writes rows about to be purged to `<dir>/<time>-<table>-<part>/` as a phase backup is
 * written (JSON lines, sha256, a manifest, all synced) and returns the folder. A failure
 * throws and leaves no partial archive behind.
 */
export async function writeArchive(
  dir: string,
  part: number,
  policy: RetentionPolicy,
  cutoff: Date,
  dialect: Dialect,
  rows: Array<Record<string, unknown>>,
): Promise<string> {
  // the run stops here: rows are deleted only once their archive reads back
  const use: DirectoryUse = {
    what: `the retention archive of ${policy.table}`,
    unchanged: `the archive failed and retention stopped: none of these ${rows.length} rows was deleted`,
  };
  await preflightDirectory(dir, use);
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const location = join(dir, `${stamp}-${policy.table}-${part}`);
  const columns = Object.keys(rows[0]);
  try {
    await mkdirOwnerOnly(location, true);
    const file = await writeJsonl(location, `${policy.table}.jsonl`, columns, [rows]);
    const manifest: ArchiveManifest = {
      format: 'phasegate-archive/1',
      table: policy.table,
      key: policy.key,
      cutoff: cutoff.toISOString(),
      createdAt: new Date().toISOString(),
      dialect,
      columns,
      items: [file],
    };
    await writeDurably(join(location, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    return location;
  } catch (error) {
    await rm(location, { recursive: true, force: true }).catch(() => undefined);
    throw unusableDirectory(dir, error, use);
  }
}

/**
 * The keys of an archive's rows, read back from the disk once each file matches the
 * manifest there (throws otherwise): the only rows that may then be deleted.
 */
export async function archivedKeys(location: string, key: string): Promise<unknown[]> {
  const manifest = JSON.parse(await readFile(join(location, MANIFEST_FILE), 'utf8')) as ArchiveManifest;
  const keys: unknown[] = [];
  for (const item of manifest.items) {
    await verifyFile(location, item);
    const text = await readFile(join(location, item.file), 'utf8');
    for (const line of text.split('\n')) if (line) keys.push((JSON.parse(line) as Record<string, unknown>)[key]);
  }
  return keys;
}
