import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// rtp/ is a library of its own (architecture.md): it may import node built-ins, werift-rtp,
// sdp-transform, dgram-as-promised (sockets on the control path), its own files and
// src/common, nothing else.
const RTP_DIR = join(import.meta.dirname, '../../../src/rtp');
const ALLOWED = [/^node:/, /^\.\/[a-z0-9-]+\.js$/, /^\.\.\/common\/index\.js$/, /^werift-rtp$/, /^sdp-transform$/, /^dgram-as-promised$/];

describe('src/rtp imports', () => {
  const files = readdirSync(RTP_DIR).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports only node built-ins, werift-rtp, sdp-transform, dgram-as-promised, rtp/ and common/', (file) => {
    const text = readFileSync(join(RTP_DIR, file), 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!);
    const bad = specifiers.filter((s) => !ALLOWED.some((re) => re.test(s)));
    expect(bad).toEqual([]);
  });
});
