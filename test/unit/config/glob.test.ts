import { afterEach, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { expandGlob, hasGlobChars, segmentRegExp } from '../../../src/config/glob.js';
import { cleanup, writeTree } from './conf-fixture.js';

afterEach(cleanup);

describe('segmentRegExp', () => {
  test.each([
    ['*.xml', 'a.xml', true],
    ['*.xml', 'a.xml.bak', false],
    ['*.xml', 'a.txt', false],
    ['?.xml', 'a.xml', true],
    ['?.xml', 'ab.xml', false],
    ['[ab].xml', 'b.xml', true],
    ['[ab].xml', 'c.xml', false],
    ['[!ab].xml', 'c.xml', true],
    ['[^ab].xml', 'a.xml', false],
    ['1[0-9][0-9][0-9].xml', '1017.xml', true],
    ['1[0-9][0-9][0-9].xml', '10a7.xml', false],
    ['[].xml', '[].xml', true], // an unterminated class is literal text, as in POSIX
    ['a[b', 'a[b', true],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
  ])('%s against %s → %s', (glob, name, expected) => {
    expect(segmentRegExp(glob).test(name)).toBe(expected);
  });

  test('hasGlobChars sees *, ? and [', () => {
    expect([hasGlobChars('a/*.xml'), hasGlobChars('a?.xml'), hasGlobChars('[ab]'), hasGlobChars('vars.xml')]).toEqual([true, true, true, false]);
  });
});

describe('expandGlob', () => {
  test('matches files in sorted order and skips directories and dot files', async () => {
    const dir = await writeTree({ 'd/b.xml': '', 'd/a.xml': '', 'd/.x.xml': '', 'd/sub.xml/inner.xml': '', 'd/z.txt': '' });
    expect(await expandGlob(join(dir, 'd/*.xml'))).toEqual([join(dir, 'd/a.xml'), join(dir, 'd/b.xml')]);
  });

  test('expands wildcards in directory segments too', async () => {
    const dir = await writeTree({ 'p/one/x.xml': '', 'p/two/x.xml': '', 'p/two/y.xml': '' });
    expect(await expandGlob(join(dir, 'p/*/x.xml'))).toEqual([join(dir, 'p/one/x.xml'), join(dir, 'p/two/x.xml')]);
  });

  test('a directory that does not exist matches nothing', async () => {
    const dir = await writeTree({});
    expect(await expandGlob(join(dir, 'nope/*.xml'))).toEqual([]);
  });
});
