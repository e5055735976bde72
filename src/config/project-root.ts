import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's root, where package.json is. Files read beside the code (the console's
 * browser files, the compiled worker thread) are found from here, because the code that reads
 * them runs at three depths: from the TypeScript sources (jest), from tsc's dist/src, and
 * from the bundles in dist/bundle.
 */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${start} or above it`);
  }
}
