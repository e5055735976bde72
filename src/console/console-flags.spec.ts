import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_FLAGS } from './console.module.js';

const PUBLIC_JS = fileURLToPath(new URL('./public/js/', import.meta.url));

function scripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? scripts(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

describe('the console reads flag keys from the server', () => {
  it('no browser file spells a flag key itself: every page imports them from /console/js/flags.js', () => {
    const files = scripts(PUBLIC_JS);
    expect(files.length).toBeGreaterThan(5);
    const literals = files.flatMap((file) =>
      Object.values(CONSOLE_FLAGS)
        .filter((key) => new RegExp(`['"\`]${key}['"\`]`).test(readFileSync(file, 'utf8')))
        .map((key) => `${file.slice(PUBLIC_JS.length)}: ${key}`),
    );
    expect(literals).toEqual([]);
  });
});
