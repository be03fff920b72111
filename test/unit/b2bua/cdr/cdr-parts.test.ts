// The CDR writer's parts on their own: durable appends with group commit, bounded open files and
// rotation; atomic whole-file writes; json_cdr.conf; the skip rules; the URL encoding.

import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AppendFiles, cdrSkipped, readJsonCdrConf, safeFileName, writeFileDurable } from '../../../../src/b2bua/cdr/index.js';
import { fsUrlEncode as cdrUrlEncode } from '../../../../src/common/index.js';
import { ConfigError } from '../../../../src/common/index.js';
import { loadConfigTree } from '../../../../src/config/index.js';
import { TestEndpoint, testCore } from '../../support/test-endpoint.js';
import { jsonCdrConf } from './cdr-fixture.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'softswitch-cdr-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

describe('AppendFiles', () => {
  it('appends concurrent lines in order, each promise resolving once its line is in the file', async () => {
    const dir = await tempDir();
    const files = new AppendFiles();
    const path = join(dir, 'sub', 'Master.csv');
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i}\n`);
    const seen: string[] = [];
    await Promise.all(
      lines.map((l) =>
        files.append(path, l).then(async () => {
          seen.push(await readFile(path, 'utf8'));
        }),
      ),
    );
    expect(await readFile(path, 'utf8')).toBe(lines.join(''));
    // Each line was already in the file when its promise resolved.
    lines.forEach((l, i) => expect(seen[i]).toContain(l));
    await files.close();
  });

  it('keeps at most maxOpen files open and still writes to all of them', async () => {
    const dir = await tempDir();
    const files = new AppendFiles({ maxOpen: 2 });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5; i++) await files.append(join(dir, `${i}.csv`), `r${round}\n`);
    }
    for (let i = 0; i < 5; i++) expect(await readFile(join(dir, `${i}.csv`), 'utf8')).toBe('r0\nr1\n');
    await files.close();
  });

  it('appends to what is already in the file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'Master.csv');
    await writeFile(path, 'old\n');
    const files = new AppendFiles();
    await files.append(path, 'new\n');
    expect(await readFile(path, 'utf8')).toBe('old\nnew\n');
    await files.close();
  });

  it('rotates to <name>.YYYY-MM-DD-HH-MM-SS and reopens on the next line', async () => {
    const dir = await tempDir();
    const files = new AppendFiles();
    const path = join(dir, 'Master.csv');
    await files.append(path, 'one\n');
    const renamed = await files.rotate(new Date(2024, 4, 1, 12, 0, 1));
    expect(renamed).toEqual([`${path}.2024-05-01-12-00-01`]);
    await files.append(path, 'two\n');
    expect(await readFile(renamed[0]!, 'utf8')).toBe('one\n');
    expect(await readFile(path, 'utf8')).toBe('two\n');
    await files.close();
  });

  it('rejects a line it cannot write, and refuses lines after close', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'file'), 'x');
    const files = new AppendFiles();
    await expect(files.append(join(dir, 'file', 'under-a-file.csv'), 'x\n')).rejects.toThrow();
    await files.close();
    await expect(files.append(join(dir, 'a.csv'), 'x\n')).rejects.toThrow(/closed/);
  });
});

describe('writeFileDurable', () => {
  it('replaces the file whole and leaves no temporary file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'x', 'a.cdr.json');
    await writeFileDurable(path, '{"a":1}');
    await writeFileDurable(path, '{"a":2}');
    expect(await readFile(path, 'utf8')).toBe('{"a":2}');
    expect(await readdir(join(dir, 'x'))).toEqual(['a.cdr.json']);
  });

  it('writes a burst of files into one directory whole (their directory fsyncs shared)', async () => {
    const dir = await tempDir();
    const names = Array.from({ length: 200 }, (_, i) => `a_${i}.cdr.json`);
    await Promise.all(names.map((n, i) => writeFileDurable(join(dir, 'burst', n), JSON.stringify({ i, pad: 'x'.repeat(i) }))));
    expect((await readdir(join(dir, 'burst'))).sort()).toEqual([...names].sort());
    for (const [i, n] of names.entries()) expect(JSON.parse(await readFile(join(dir, 'burst', n), 'utf8'))).toEqual({ i, pad: 'x'.repeat(i) });
  });

  it('makes its directory again when it was removed after an earlier write', async () => {
    const dir = await tempDir();
    await writeFileDurable(join(dir, 'gone', 'a.cdr.json'), '1');
    await rm(join(dir, 'gone'), { recursive: true });
    await writeFileDurable(join(dir, 'gone', 'b.cdr.json'), '2');
    expect(await readFile(join(dir, 'gone', 'b.cdr.json'), 'utf8')).toBe('2');
  });
});

describe('json_cdr.conf', () => {
  async function tree(configuration: string, vars: Record<string, string> = {}) {
    const dir = await tempDir();
    await writeFile(join(dir, 'freeswitch.xml'), `<document type="freeswitch/xml"><section name="configuration">${configuration}</section></document>`);
    return loadConfigTree({ confDir: dir, dataDir: join(dir, 'data'), overrides: vars });
  }

  it('has the documented defaults', async () => {
    const t = await tree('');
    const c = readJsonCdrConf(t);
    expect(c).toEqual({
      logDir: join(t.getGlobal('log_dir')!, 'json_cdr'), logBLeg: true, prefixALeg: true, encodeValues: true, urls: [], cred: undefined,
      encode: 'none', retries: 0, delaySec: 5, maxDelaySec: 300, timeoutSec: 10, errLogDir: undefined,
    });
  });

  it('reads every param, several urls in order, and cdr_url only when no url is set', async () => {
    const t = await tree(
      jsonCdrConf({ 'log-dir': '/var/cdr', 'log-b-leg': 'false', encode: 'base64', retries: '3', delay: '0.5', 'err-log-dir': 'errors', cred: 'u:p' }).replace(
        '</settings>',
        '<param name="url" value="http://a/1"/><param name="url" value="https://b/2"/></settings>',
      ),
      { cdr_url: 'http://ignored/' },
    );
    const c = readJsonCdrConf(t);
    expect([c.logDir, c.logBLeg, c.encode, c.retries, c.delaySec, c.cred]).toEqual(['/var/cdr', false, 'base64', 3, 0.5, 'u:p']);
    expect(c.urls).toEqual(['http://a/1', 'https://b/2']);
    expect(c.errLogDir).toBe(join(t.getGlobal('log_dir')!, 'errors'));
    expect(readJsonCdrConf(await tree('', { cdr_url: 'http://127.0.0.1:9/cdr' })).urls).toEqual(['http://127.0.0.1:9/cdr']);
  });

  it.each([
    [{ retries: 'many' }, /retries must be a whole number/],
    [{ delay: '-1' }, /delay must be a number of seconds/],
    [{ 'log-b-leg': 'perhaps' }, /log-b-leg must be true or false/],
    [{ encode: 'gzip' }, /encode must be true, false or base64/],
    [{ url: 'ftp://x' }, /url must be an http/],
  ])('rejects %j with a ConfigError at its position', async (params, message) => {
    const t = await tree(jsonCdrConf(params as Record<string, string>));
    let err: unknown;
    try {
      readJsonCdrConf(t);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/freeswitch\.xml:1:\d+/);
  });
});

describe('which legs write a CDR', () => {
  const core = testCore();
  const ep = new TestEndpoint();
  afterAll(() => core.close());

  function leg(kind: 'a' | 'b', vars: Record<string, string>, cause: 'NORMAL_CLEARING' | 'USER_BUSY' = 'NORMAL_CLEARING') {
    const a = ep.inbound(core, { variables: kind === 'a' ? vars : {} });
    if (kind === 'a') {
      a.hangup(cause);
      return { ch: a, isB: false };
    }
    const b = ep.inbound(core, { variables: vars });
    b.originator = a;
    b.hangup(cause);
    return { ch: b, isB: true };
  }

  it.each([
    ['a', {}, 'NORMAL_CLEARING', false],
    ['a', { process_cdr: 'false' }, 'NORMAL_CLEARING', true],
    ['a', { process_cdr: 'true' }, 'NORMAL_CLEARING', false],
    ['b', { process_cdr: 'a_only' }, 'NORMAL_CLEARING', true],
    ['a', { process_cdr: 'a_only' }, 'NORMAL_CLEARING', false],
    ['a', { process_cdr: 'b_only', bleg_uuid: 'x' }, 'NORMAL_CLEARING', true],
    ['b', { process_cdr: 'b_only' }, 'NORMAL_CLEARING', false],
    ['a', { skip_cdr_causes: 'NO_ANSWER|USER_BUSY' }, 'USER_BUSY', true],
    ['a', { skip_cdr_causes: '17' }, 'USER_BUSY', true],
    ['a', { skip_cdr_causes: 'NO_ANSWER' }, 'USER_BUSY', false],
  ] as const)('%s-leg with %j ending %s: skipped %s', (kind, vars, cause, skipped) => {
    const { ch, isB } = leg(kind, vars, cause);
    expect(cdrSkipped(ch, isB)).toBe(skipped);
  });
});

describe('names and encodings', () => {
  it.each([
    ['sales', 'sales'],
    ['../x', '___x'],
    ['a/b\\c', 'a_b_c'],
    ['.hidden', '_hidden'],
  ])('file name for %j is %j', (name, safe) => {
    expect(safeFileName(name)).toBe(safe);
  });

  it.each([
    ['plain-text_1.2', 'plain-text_1.2'],
    ['two words', 'two%20words'],
    ['a=b&c', 'a%3Db%26c'],
    ['already%20encoded', 'already%20encoded'],
    ['100%', '100%25'],
    ['café', 'caf%C3%A9'],
  ])('URL-encodes %j as %j', (value, encoded) => {
    expect(cdrUrlEncode(value)).toBe(encoded);
  });
});
