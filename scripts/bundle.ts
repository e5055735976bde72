import { resolve } from 'node:path';
import { bundle } from './bundler.js';
import { PROJECT_ROOT } from '../src/config/project-root.js';

/**
 * Bundles what tsc compiled for the server (dist/src/main.js) and the admin CLI
 * (dist/src/cli.js) into dist/bundle/. Node then reads a few files at start instead of some
 * 2,700 modules, most of them Nest's, es-toolkit's and TypeORM's: loading them was two thirds
 * of every CLI command's time.
 *
 * `npm run build` runs this after tsc; `npm start`, bin/phasegate and the suites run the bundles.
 * dist/src stays a complete, unbundled build: the TypeORM CLI's data source and the fault
 * injection that patches module instances (test/support/halt-at-step.mjs) load it.
 */

bundle(
  { main: resolve(PROJECT_ROOT, 'dist/src/main.js'), cli: resolve(PROJECT_ROOT, 'dist/src/cli.js') },
  resolve(PROJECT_ROOT, 'dist/bundle'),
).catch((error: unknown) => {
  process.stderr.write(`bundle: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
