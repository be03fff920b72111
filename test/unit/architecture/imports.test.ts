// The import direction of docs/architecture.md and style.md §1: each folder of src/ may import
// only the folders below it, and only through their index.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Which folders each folder may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  common: [],
  config: ['common'],
  sip: ['common', 'config'],
  rtp: ['common', 'config'],
  registrar: ['common', 'config', 'sip'],
  b2bua: ['common', 'config', 'sip', 'rtp', 'registrar'],
  dialplan: ['common', 'config', 'b2bua'],
  apps: ['common', 'config', 'b2bua', 'dialplan', 'registrar'],
  api: ['common', 'config', 'sip', 'rtp', 'registrar', 'b2bua', 'dialplan', 'apps'],
  esl: ['common', 'config', 'sip', 'rtp', 'registrar', 'b2bua', 'dialplan', 'apps', 'api'],
  cli: ['common', 'config', 'sip', 'rtp', 'registrar', 'b2bua', 'dialplan', 'apps', 'api', 'esl'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT_RE = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|^\s*import\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/gm;

describe('import direction', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const from = relative(SRC, file).split(sep)[0]!;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      const target = resolve(dirname(file), spec);
      const rel = relative(SRC, target);
      if (rel.startsWith('..')) {
        violations.push(`${relative(SRC, file)} imports ${spec}, outside src/`);
        continue;
      }
      const to = rel.split(sep)[0]!;
      if (to === from) continue;
      if (!(ALLOWED[from] ?? []).includes(to)) violations.push(`${relative(SRC, file)} imports ${to}/ (${spec}): not allowed for ${from}/`);
      else if (rel !== join(to, 'index.js')) violations.push(`${relative(SRC, file)} imports ${spec}: go through ${to}/index.ts`);
    }
  }

  it('every folder of src/ is in the layer table', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(folders.filter((f) => !(f in ALLOWED))).toEqual([]);
  });

  it('no import points up the table or around an index.ts', () => {
    expect(violations).toEqual([]);
  });
});
