import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../src/app.factory.js';

/**
 * node dist/scripts/contract-artifacts.js <dir>: boots the application on a throwaway SQLite
 * database and saves what the test command lints: the OpenAPI document (openapi.json, for
 * Spectral) and /metrics after a few requests (metrics.txt, for promtool).
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: contract-artifacts.js <output directory>');
const app = await createApp({ DB_PATH: ':memory:', JOBS_ENABLED: 'false', LOG_LEVEL: 'error' });
try {
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const get = async (path: string) => (await fetch(`${base}${path}`)).text();
  writeFileSync(join(dir, 'openapi.json'), await get('/docs-json'));
  // every family of metric has samples once something was answered
  await Promise.all(['/health/live', '/api/v1/graphs', '/nowhere'].map(get));
  writeFileSync(join(dir, 'metrics.txt'), await get('/metrics'));
} finally {
  await app.close();
}
