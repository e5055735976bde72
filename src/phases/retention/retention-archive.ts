import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RetentionPolicy } from '../../common/retention/retention-policy.js';
import type { Dialect } from '../../database/dialect.js';
import { preflightDirectory, unusableDirectory } from '../backup/backup-directory.js';
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

export interface WrittenArchive {
  location: string;
  /** The archived rows' keys, as read back from the verified file: the only rows that may be deleted. */
  keys: unknown[];
  bytes: number;
}

/**
 * Writes rows about to be purged to `<dir>/<time>-<table>-<part>/` as a phase backup is
 * written (JSON lines, sha256, a manifest, all synced), then reads the manifest and the file
 * back from the disk and returns the keys the file holds. Anything short of that throws, and
 * leaves no partial archive behind.
 */
export async function writeArchive(
  dir: string,
  part: number,
  policy: RetentionPolicy,
  cutoff: Date,
  dialect: Dialect,
  rows: Array<Record<string, unknown>>,
): Promise<WrittenArchive> {
  await preflightDirectory(dir);
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
    return { location, keys: await readBack(location, policy.key), bytes: file.bytes };
  } catch (error) {
    await rm(location, { recursive: true, force: true }).catch(() => undefined);
    throw unusableDirectory(dir, error);
  }
}

/** The keys of a written archive, once its file matches the manifest on the disk. */
async function readBack(location: string, key: string): Promise<unknown[]> {
  const manifest = JSON.parse(await readFile(join(location, MANIFEST_FILE), 'utf8')) as ArchiveManifest;
  const keys: unknown[] = [];
  for (const item of manifest.items) {
    await verifyFile(location, item);
    const text = await readFile(join(location, item.file), 'utf8');
    for (const line of text.split('\n')) if (line) keys.push((JSON.parse(line) as Record<string, unknown>)[key]);
  }
  return keys;
}
