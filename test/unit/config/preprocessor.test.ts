import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { GlobalVars } from '../../../src/config/globals.js';
import { preprocess } from '../../../src/config/preprocessor.js';
import { cleanup, writeTree } from './conf-fixture.js';

afterEach(cleanup);

async function run(files: Record<string, string>, opts: { builtIns?: Record<string, string>; overrides?: Record<string, string>; env?: NodeJS.ProcessEnv; maxDepth?: number } = {}) {
  const dir = await writeTree(files);
  const globals = new GlobalVars(opts.builtIns ?? { local_ip_v4: '192.0.2.1' }, opts.overrides ?? {});
  const result = await preprocess({ rootFile: 'root.xml', confDir: dir, globals, env: opts.env, maxDepth: opts.maxDepth });
  return { ...result, globals, dir, lines: result.text.split('\n').slice(0, -1) };
}

async function failure(files: Record<string, string>, opts: Parameters<typeof run>[1] = {}): Promise<ConfigError> {
  try {
    await run(files, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('set and $${} expansion', () => {
  test('a set defines a global that later lines see, and emits nothing itself', async () => {
    const r = await run({ 'root.xml': '<X-PRE-PROCESS cmd="set" data="who=world"/>\n<a v="$${who}"/>\n' });
    expect(r.lines).toEqual(['<a v="world"/>']);
    expect(r.globals.get('who')).toBe('world');
  });

  test('order matters: a line before the set does not see it', async () => {
    const e = await failure({ 'root.xml': '<a v="$${late}"/>\n<X-PRE-PROCESS cmd="set" data="late=1"/>\n' });
    expect(e.message).toContain('unknown variable $${late}');
  });

  test('spaces around = are trimmed and the value may contain =', async () => {
    const r = await run({ 'root.xml': '<X-PRE-PROCESS cmd="set" data="k = a=b;c"/>\n' });
    expect(r.globals.get('k')).toBe('a=b;c');
  });

  test('built-in globals expand, names compare case-insensitively', async () => {
    const r = await run({ 'root.xml': '<a ip="$${LOCAL_IP_V4}"/>\n' });
    expect(r.lines).toEqual(['<a ip="192.0.2.1"/>']);
  });

  test('a set value may use an earlier global, expanded at the time of the set', async () => {
    const r = await run({ 'root.xml': '<X-PRE-PROCESS cmd="set" data="domain=$${local_ip_v4}"/>\n<X-PRE-PROCESS cmd="set" data="domain_name=$${domain}"/>\n' });
    expect(r.globals.get('domain_name')).toBe('192.0.2.1');
  });

  test('run-time ${var} is left untouched', async () => {
    const r = await run({ 'root.xml': '<a d="${dialed_user}@$${local_ip_v4}"/>\n' });
    expect(r.lines).toEqual(['<a d="${dialed_user}@192.0.2.1"/>']);
  });

  test('an unknown $${name} is a ConfigError at its file:line:col', async () => {
    const e = await failure({ 'root.xml': '<doc>\n  <a v="x$${nope}"/>\n</doc>\n' });
    expect(e.message).toMatch(/^root\.xml:2:10 unknown variable \$\$\{nope\}/);
    expect([e.file, e.line, e.column]).toEqual(['root.xml', 2, 10]);
  });

  test('an unknown $${name} inside an XML comment becomes empty instead of failing', async () => {
    const r = await run({ 'root.xml': '<doc>\n<!-- old: $${gone}\n and $${also_gone} -->\n<a v="$${local_ip_v4}"/>\n</doc>\n' });
    expect(r.lines[1]).toBe('<!-- old: ');
    expect(r.lines[3]).toBe('<a v="192.0.2.1"/>');
  });

  test('an unterminated $${ is a ConfigError', async () => {
    const e = await failure({ 'root.xml': '<a v="$${local_ip_v4"/>\n' });
    expect(e.message).toContain('root.xml:1:7 unterminated');
  });

  test('the expanded value is not expanded again', async () => {
    const r = await run({ 'root.xml': '<X-PRE-PROCESS cmd="set" data="a=$$"/>\n<X-PRE-PROCESS cmd="set" data="b=${x}"/>\n<v>$${a}{b}</v>\n' });
    expect(r.lines).toEqual(['<v>$${b}</v>']);
  });
});

describe('lines FreeSWITCH drops', () => {
  test.each([
    ['<?xml version="1.0"?>'],
    ['<include>'],
    ['  </include>'],
    ['<include><user id="1"/>'],
  ])('a line containing %s is dropped whole', async (line) => {
    const r = await run({ 'root.xml': `${line}\n<kept/>\n` });
    expect(r.lines).toEqual(['<kept/>']);
  });
});

describe('directives', () => {
  test('the tag name is case-insensitive', async () => {
    const r = await run({ 'root.xml': '<x-pre-process cmd="SET" data="a=1"/>\n<X-Pre-Process cmd="set" data="b=2"/>\n' });
    expect([r.globals.get('a'), r.globals.get('b')]).toEqual(['1', '2']);
    expect(r.lines).toEqual([]);
  });

  test('a directive inside an XML comment still runs (FreeSWITCH quirk)', async () => {
    const r = await run({ 'root.xml': '<doc>\n<!-- <X-PRE-PROCESS cmd="set" data="quirk=yes"/> -->\n<a v="$${quirk}"/>\n</doc>\n' });
    expect(r.globals.get('quirk')).toBe('yes');
    expect(r.lines).toEqual(['<doc>', '<a v="yes"/>', '</doc>']);
  });

  test('a directive in a multi-line comment still runs', async () => {
    const r = await run({ 'root.xml': '<doc>\n<!--\n<X-PRE-PROCESS cmd="set" data="inside=1"/>\n-->\n</doc>\n' });
    expect(r.globals.get('inside')).toBe('1');
  });

  test('X-NO-PRE-PROCESS is not a directive and passes through to the XML layer', async () => {
    const r = await run({ 'root.xml': '<X-NO-PRE-PROCESS cmd="set" data="off=1"/>\n' });
    expect(r.globals.get('off')).toBeUndefined();
    expect(r.lines).toEqual(['<X-NO-PRE-PROCESS cmd="set" data="off=1"/>']);
  });

  test('a > inside the data value does not end the tag', async () => {
    const r = await run({ 'root.xml': '<X-PRE-PROCESS cmd="set" data="tone=v=-7;>=2;+=.1"/>\n' });
    expect(r.globals.get('tone')).toBe('v=-7;>=2;+=.1');
  });

  test.each([
    ['exec', 'echo hi', /never runs shell commands/],
    ['exec-set', 'x=hostname', /never runs shell commands/],
    ['stun-set', 'external_rtp_ip=stun:stun.example.org', /never makes network lookups/],
  ])('cmd="%s" is refused with a clear error', async (cmd, data, message) => {
    const e = await failure({ 'root.xml': `<doc>\n  <X-PRE-PROCESS cmd="${cmd}" data="${data}"/>\n</doc>\n` });
    expect(e.message).toMatch(message);
    expect([e.file, e.line, e.column]).toEqual(['root.xml', 2, 3]);
  });

  test.each([
    ['<X-PRE-PROCESS cmd="frobnicate" data="x"/>', /unknown X-PRE-PROCESS command "frobnicate"/],
    ['<X-PRE-PROCESS data="x=1"/>', /needs a cmd/],
    ['<X-PRE-PROCESS cmd="set"/>', /needs a data/],
    ['<X-PRE-PROCESS cmd="set" data="novalue"/>', /name=value/],
    ['<X-PRE-PROCESS cmd="set"', /one line/],
  ])('%s is a ConfigError', async (line, message) => {
    const e = await failure({ 'root.xml': `${line}\n` });
    expect(e.message).toMatch(message);
    expect(e.line).toBe(1);
  });

  test('env-set copies an environment variable into a global', async () => {
    const r = await run({ 'root.xml': '<X-PRE-PROCESS cmd="env-set" data="pbx_host=$PBX_HOST"/>\n' }, { env: { PBX_HOST: 'pbx.example' } });
    expect(r.globals.get('pbx_host')).toBe('pbx.example');
  });

  test('env-set of an unset environment variable leaves the global unset', async () => {
    const r = await run({ 'root.xml': '<X-PRE-PROCESS cmd="env-set" data="pbx_host=$PBX_HOST"/>\n' }, { env: {} });
    expect(r.globals.has('pbx_host')).toBe(false);
  });

  test('the comment forms <!--#set--> and <!--#include--> run, and the text around them is kept', async () => {
    const r = await run({
      'root.xml': '<doc><!--#set "c=3"--><k/>\n<v c="$${c}"/>\n<!--#include "part.xml"-->\n</doc>\n',
      'part.xml': '<part/>\n',
    });
    expect(r.lines).toEqual(['<doc><k/>', '<v c="3"/>', '<part/>', '</doc>']);
  });
});

describe('include', () => {
  test('a glob includes matching files in sorted order, relative to the including file', async () => {
    const r = await run({
      'root.xml': '<doc>\n<X-PRE-PROCESS cmd="include" data="sub/*.xml"/>\n</doc>\n',
      'sub/b.xml': '<b/>\n',
      'sub/a.xml': '<include>\n<a/>\n</include>\n',
      'sub/c.txt': '<c/>\n',
      'sub/.hidden.xml': '<h/>\n',
    });
    expect(r.lines).toEqual(['<doc>', '<a/>', '<b/>', '</doc>']);
    expect(r.files).toEqual(['root.xml', 'sub/a.xml', 'sub/b.xml']);
  });

  test('nested includes resolve relative to each file, including ../', async () => {
    const r = await run({
      'root.xml': '<X-PRE-PROCESS cmd="include" data="one/first.xml"/>\n',
      'one/first.xml': '<X-PRE-PROCESS cmd="include" data="../two/*.xml"/>\n',
      'two/second.xml': '<X-PRE-PROCESS cmd="include" data="leaf.xml"/>\n',
      'two/leaf.xml': '<leaf/>\n',
    });
    // second.xml includes leaf.xml, and the glob ../two/*.xml also matches leaf.xml itself.
    expect(r.lines).toEqual(['<leaf/>', '<leaf/>']);
  });

  test('an absolute include path works', async () => {
    const dir = await writeTree({ 'abs.xml': '<abs/>\n' });
    const r = await run({ 'root.xml': `<X-PRE-PROCESS cmd="include" data="${dir}/abs.xml"/>\n` });
    expect(r.lines).toEqual(['<abs/>']);
  });

  test('a glob that matches nothing is fine', async () => {
    const r = await run({ 'root.xml': '<doc>\n<X-PRE-PROCESS cmd="include" data="nothing/*.xml"/>\n</doc>\n' });
    expect(r.lines).toEqual(['<doc>', '</doc>']);
  });

  test('a plain file name that matches nothing is a ConfigError at the include', async () => {
    const e = await failure({ 'root.xml': '<doc>\n   <X-PRE-PROCESS cmd="include" data="missing.xml"/>\n</doc>\n' });
    expect(e.message).toMatch(/^root\.xml:2:4 include "missing\.xml" matches no file/);
  });

  test('including a directory is a ConfigError that suggests a glob', async () => {
    const e = await failure({ 'root.xml': '<X-PRE-PROCESS cmd="include" data="sub"/>\n', 'sub/a.xml': '<a/>\n' });
    expect(e.message).toContain('"sub/*.xml"');
  });

  test('an include loop is reported with the chain of files', async () => {
    const e = await failure({
      'root.xml': '<X-PRE-PROCESS cmd="include" data="a.xml"/>\n',
      'a.xml': '<X-PRE-PROCESS cmd="include" data="b.xml"/>\n',
      'b.xml': '<X-PRE-PROCESS cmd="include" data="a.xml"/>\n',
    });
    expect(e.message).toBe('b.xml:1:1 include loop: a.xml → b.xml → a.xml');
  });

  test('includes nested deeper than 100 levels are refused', async () => {
    const files: Record<string, string> = { 'root.xml': '<X-PRE-PROCESS cmd="include" data="f1.xml"/>\n' };
    for (let i = 1; i <= 101; i++) files[`f${i}.xml`] = `<X-PRE-PROCESS cmd="include" data="f${i + 1}.xml"/>\n`;
    files['f102.xml'] = '<end/>\n';
    const e = await failure(files);
    expect(e.message).toBe('f100.xml:1:1 includes are nested more than 100 levels deep');
  });

  test('exactly 100 levels of nesting are allowed', async () => {
    const files: Record<string, string> = { 'root.xml': '<X-PRE-PROCESS cmd="include" data="f1.xml"/>\n' };
    for (let i = 1; i < 100; i++) files[`f${i}.xml`] = `<X-PRE-PROCESS cmd="include" data="f${i + 1}.xml"/>\n`;
    files['f100.xml'] = '<end/>\n';
    const r = await run(files);
    expect(r.lines).toEqual(['<end/>']);
  });

  test('an include pattern may use a global', async () => {
    const r = await run({
      'root.xml': '<X-PRE-PROCESS cmd="set" data="dir=parts"/>\n<X-PRE-PROCESS cmd="include" data="$${dir}/*.xml"/>\n',
      'parts/p.xml': '<p/>\n',
    });
    expect(r.lines).toEqual(['<p/>']);
  });
});

describe('overrides', () => {
  test('a set of an overridden name keeps the override', async () => {
    const r = await run({ 'root.xml': '<X-PRE-PROCESS cmd="set" data="internal_sip_port=5060"/>\n<p v="$${internal_sip_port}"/>\n' }, { overrides: { internal_sip_port: '25060' } });
    expect(r.lines).toEqual(['<p v="25060"/>']);
    expect(r.globals.get('internal_sip_port')).toBe('25060');
  });

  test('an override is a global even if no file sets it, and wins over a built-in', async () => {
    const r = await run({ 'root.xml': '<p a="$${only_cli}" b="$${local_ip_v4}"/>\n' }, { overrides: { only_cli: 'x', local_ip_v4: '127.0.0.1' } });
    expect(r.lines).toEqual(['<p a="x" b="127.0.0.1"/>']);
  });
});

describe('line map', () => {
  test('each output line knows its file and line, through includes', async () => {
    const r = await run({
      'root.xml': '<doc>\n<X-PRE-PROCESS cmd="include" data="in/*.xml"/>\n<after/>\n</doc>\n',
      'in/x.xml': '<include>\n  <x1/>\n  <x2/>\n</include>\n',
    });
    const where = r.lines.map((_, i) => {
      const { pos } = r.lineMap.locate(i + 1, 0);
      return `${pos.file}:${pos.line}`;
    });
    expect(where).toEqual(['root.xml:1', 'in/x.xml:2', 'in/x.xml:3', 'root.xml:3', 'root.xml:4']);
  });

  test('columns after an expansion map back to the original line', async () => {
    const r = await run({ 'root.xml': '<p a="$${local_ip_v4}" b="z"/>\n' });
    // Output: <p a="192.0.2.1" b="z"/>   `b` is at output column 17, original column 24 (1-based).
    expect(r.lines[0].indexOf('b=')).toBe(17);
    expect(r.lineMap.locate(1, 17).pos.column).toBe(24);
    const inside = r.lineMap.locate(1, 9);
    expect(inside.pos.column).toBe(7);
    expect(inside.variable).toBe('local_ip_v4');
  });

  test('a CRLF file and a UTF-8 BOM are read like a plain one', async () => {
    const r = await run({ 'root.xml': '\ufeff<doc>\r\n<a/>\r\n</doc>\r\n' });
    expect(r.lines).toEqual(['<doc>', '<a/>', '</doc>']);
  });
});
