import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../../common/errors/domain-error.js';
import { ErrorCode } from '../../common/errors/error-code.js';
import { OWNER_FILE_MODE } from './owner-only.js';
import { rowLine } from './row-stream.js';

export const MANIFEST_FILE = 'manifest.json';

/** A JSON-lines file as a manifest lists it: what was written, to check what is read back. */
export interface JsonlFile {
  file: string;
  rows: number;
  bytes: number;
  /** sha256 of the file, which is also the sha256 of the rows in the order written. */
  sha256: string;
}

/**
 * Streams `batches` into location/file, one JSON line per row (see rowLine), hashing as it
 * writes, and syncs the file. Refuses to overwrite an existing file. Phase backups and
 * retention archives both write through here.
 */
export async function writeJsonl(
  location: string,
  file: string,
  columns: string[],
  batches: AsyncIterable<Array<Record<string, unknown>>> | Iterable<Array<Record<string, unknown>>>,
): Promise<JsonlFile> {
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  async function* lines() {
    for await (const batch of batches) {
      const chunk = Buffer.from(batch.map((r) => rowLine(r, columns)).join(''));
      hash.update(chunk);
      rows += batch.length;
      bytes += chunk.length;
      yield chunk;
    }
  }
  await pipeline(
    Readable.from(lines()),
    createWriteStream(join(location, file), { flags: 'wx', mode: OWNER_FILE_MODE }),
  );
  await fsync(join(location, file));
  return { file, rows, bytes, sha256: hash.digest('hex') };
}

/** Reads a written file back: its line count and sha256 must equal the manifest's. */
export async function verifyFile(location: string, item: Pick<JsonlFile, 'file' | 'rows' | 'sha256'>): Promise<void> {
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

/** Writes a new file (never over an old one) and syncs it before returning. */
export async function writeDurably(path: string, content: string): Promise<void> {
  await writeFile(path, content, { flag: 'wx', mode: OWNER_FILE_MODE });
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
