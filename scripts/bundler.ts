import { build } from 'esbuild';
import { rmSync } from 'node:fs';

/**
 * Left to Node's own loader:
 * - CommonJS packages that code imports by name at run time and then reads named exports of,
 *   which only Node's CommonJS interop provides, and which must be the same instance as the
 *   one the application's own imports reach: class-validator and class-transformer (Nest's
 *   ValidationPipe loads them; the DTOs' decorators write their metadata into them), the
 *   database drivers (the lean emergency path; SQLite's is native besides);
 * - swagger-ui-dist, which finds its files from its own location;
 * - packages that Nest, cosmiconfig and nest-commander import only when a feature this product
 *   does not use asks for them, some of them not installed.
 */
const EXTERNAL = [
  'class-validator',
  'class-transformer',
  'class-transformer/*',
  'better-sqlite3',
  'mysql2',
  'mysql2/*',
  'swagger-ui-dist',
  '@fastify/static',
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/websockets/*',
  'typescript',
  'prettier',
];

/**
 * Bundles entry points that tsc compiled, with their npm dependencies, into `outdir` (emptied
 * first): one file per entry plus the chunks they share. The input is tsc's output, so the
 * decorator metadata Nest injects by is tsc's.
 */
export async function bundle(entryPoints: Record<string, string>, outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir,
    bundle: true,
    // what an entry imports dynamically (the CLI's application behind its lean emergency path)
    // stays in a chunk of its own, loaded only when asked for
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // TypeORM names migrations and Nest names providers after their classes
    keepNames: true,
    minifySyntax: true,
    sourcemap: 'linked',
    // CommonJS packages inside call require() for Node's built-ins and the external packages,
    // and some read __filename; ES modules have neither
    banner: {
      js: [
        "import { createRequire as __bundleRequire } from 'node:module';",
        "import { fileURLToPath as __bundleFilePath } from 'node:url';",
        'const require = __bundleRequire(import.meta.url);',
        'const __filename = __bundleFilePath(import.meta.url);',
        "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
      ].join(' '),
    },
    logLevel: 'warning',
  });
}
