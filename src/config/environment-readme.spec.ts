import { readFileSync } from 'node:fs';
import { Environment } from './environment.js';

describe('README configuration table', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const documented = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]));

  it('lists every environment variable, and only those', () => {
    const declared = Object.keys(new Environment()).sort();
    expect([...documented].sort()).toEqual(declared);
  });
});
