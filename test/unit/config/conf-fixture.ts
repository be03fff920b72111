// Builds throw-away conf trees in the OS temp directory for config tests. Each tree is a map of
// relative path → file content; `cleanup()` removes every tree made so far.

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const made: string[] = [];

export async function writeTree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'softswitch-conf-'));
  made.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(dir, rel);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content, 'utf8');
  }
  return dir;
}

export async function cleanup(): Promise<void> {
  while (made.length > 0) await rm(made.pop()!, { recursive: true, force: true });
}

/** A minimal root document whose configuration section holds `configuration`. */
export function rootDoc(parts: { vars?: string; configuration?: string; dialplan?: string; directory?: string }): string {
  return [
    '<?xml version="1.0"?>',
    '<document type="freeswitch/xml">',
    parts.vars ?? '',
    '<section name="configuration">',
    parts.configuration ?? '',
    '</section>',
    '<section name="dialplan">',
    parts.dialplan ?? '',
    '</section>',
    '<section name="directory">',
    parts.directory ?? '',
    '</section>',
    '</document>',
    '',
  ].join('\n');
}
