// Bad bytes, truncated files and oversized input end in a ConfigError with a position, never in
// a crash, a hang or unbounded memory.

import { afterEach, describe, expect, test } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../../src/common/errors.js';
import { GlobalVars } from '../../../src/config/globals.js';
import { loadConfigTree } from '../../../src/config/index.js';
import { preprocess } from '../../../src/config/preprocessor.js';
import { cleanup, writeTree } from './conf-fixture.js';

afterEach(cleanup);

async function loadError(root: string): Promise<ConfigError> {
  const dir = await writeTree({ 'freeswitch.xml': root });
  try {
    await loadConfigTree({ confDir: dir, dataDir: dir });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('garbage input', () => {
  test.each([
    ['a NUL byte', '<document>\n  <a>\u0000</a>\n</document>\n', 2],
    ['a truncated file', '<document>\n  <section name="configuration">\n    <configuration name="x.co', 3],
    ['an unterminated comment', '<document>\n<!-- never closed\n<a/>\n', 2],
    ['binary noise', '\u0001\u0002\u00ff\u00fe<<<>>>&&&\n', 1],
    ['a stray CDATA end in text', '<document>\n  ]]>\n</document>\n', 2],
  ])('%s is a ConfigError with a line', async (_what, content, line) => {
    const e = await loadError(content);
    expect(e.file).toBe('freeswitch.xml');
    expect(e.line).toBe(line);
  });

  test('a file larger than the per-file limit is refused before it is read', async () => {
    const dir = await writeTree({ 'root.xml': '<X-PRE-PROCESS cmd="include" data="big.xml"/>\n' });
    await writeFile(join(dir, 'big.xml'), 'x'.repeat(2048));
    const run = preprocess({ rootFile: 'root.xml', confDir: dir, globals: new GlobalVars({}), maxFileBytes: 1024 });
    await expect(run).rejects.toThrow(/^root\.xml:1:1 big\.xml is 2048 bytes; config files larger than 1024 bytes are refused/);
  });

  test('an expansion that grows past the output limit is refused', async () => {
    const lines = Array.from({ length: 200 }, () => '<a v="$${big}"/>').join('\n');
    const dir = await writeTree({ 'root.xml': `${lines}\n` });
    const run = preprocess({ rootFile: 'root.xml', confDir: dir, globals: new GlobalVars({ big: 'y'.repeat(1000) }), maxOutputChars: 100_000 });
    await expect(run).rejects.toThrow(/the expanded configuration exceeds 100000 characters/);
  });

  test('the message names what was cut short', async () => {
    expect((await loadError('<document>\n  <a x="1"\n')).message).toBe('freeswitch.xml:2:3 the document ends in the middle of this tag (is the file cut short?)');
    expect((await loadError('<document>\n<!-- never closed\n<a/>\n')).message).toBe('freeswitch.xml:2:1 this comment is never closed (missing "-->")');
    expect((await loadError('<document><![CDATA[ x\n')).message).toBe('freeswitch.xml:1:11 this CDATA section is never closed (missing "]]>")');
  });

  test('a very long line is handled', async () => {
    const e = await loadError(`<document>\n<a v="${'z'.repeat(200_000)}" x=1/>\n</document>\n`);
    expect([e.line, e.column]).toEqual([2, 200_011]);
  });
});
