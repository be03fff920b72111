// set, unset, export (nolocal:), multiset, multiunset, push, unshift, set_global on the real
// core: the caller's variables after the list ran, and what a bridged leg inherits.

import { afterEach, describe, expect, it } from 'vitest';
import { makeHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.close());

interface Row {
  name: string;
  list: string;
  vars?: Record<string, string>;
  expect: Record<string, string | undefined>;
}

const rows: Row[] = [
  { name: 'set name=value', list: 'set:a=1', expect: { a: '1' } },
  { name: 'set keeps everything after the first = (value with = and spaces)', list: "set:'x=a=b c'", expect: { x: 'a=b c' } },
  { name: 'set name,value when there is no =', list: "set:'y,hello'", expect: { y: 'hello' } },
  { name: 'set with = looks for = first (a,b=c names a,b)', list: "set:'a,b=c'", expect: { 'a,b': 'c', a: undefined } },
  { name: 'set with an empty value unsets', list: 'set:a=', vars: { a: '1' }, expect: { a: undefined } },
  { name: 'set expands its value again when it runs', list: 'set:b=\\${a}', vars: { a: 'deep' }, expect: { b: 'deep' } },
  { name: 'unset removes a variable', list: 'unset:a', vars: { a: '1' }, expect: { a: undefined } },
  { name: 'multiset sets several, split on spaces', list: 'multiset:a=1 b=2', expect: { a: '1', b: '2' } },
  { name: "multiset with ^^| uses | as the separator", list: "multiset:'^^|a=1 2|b=3'", expect: { a: '1 2', b: '3' } },
  { name: 'multiunset removes several', list: 'multiunset:a b', vars: { a: '1', b: '2', c: '3' }, expect: { a: undefined, b: undefined, c: '3' } },
  { name: 'push onto nothing makes a plain value', list: 'push:arr=x', expect: { arr: 'x' } },
  { name: 'push appends as an FS array', list: 'push:arr=x,push:arr=y,push:arr=z', expect: { arr: 'ARRAY::x|:y|:z' } },
  { name: 'unshift prepends', list: 'push:arr=x,unshift:arr=w', expect: { arr: 'ARRAY::w|:x' } },
  { name: 'export sets locally and lists the name in export_vars', list: 'export:foo=bar,export:baz=1', expect: { foo: 'bar', baz: '1', export_vars: 'foo,baz' } },
  { name: 'export of the same name twice lists it once', list: 'export:foo=1,export:foo=2', expect: { foo: '2', export_vars: 'foo' } },
  { name: 'export nolocal: keeps the value under the prefixed name only', list: 'export:nolocal:foo=bar', expect: { foo: undefined, 'nolocal:foo': 'bar', export_vars: 'nolocal:foo' } },
  { name: 'export with an empty value unsets and exports nothing', list: 'export:foo=', vars: { foo: 'x' }, expect: { foo: undefined, export_vars: undefined } },
];

describe('variable applications', () => {
  it.each(rows)('$name', async (row) => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: row.list, dialplan: 'inline', variables: row.vars });
    await done;
    for (const [k, v] of Object.entries(row.expect)) expect(channel.getVariable(k), k).toBe(v);
  });

  it('push stops at 256 elements instead of growing without bound', async () => {
    h = await makeHarness({
      dialplanXml: `<include><context name="default"><extension name="e"><condition>
        <action application="push" data="arr=v" loop="300"/>
      </condition></extension></context></include>`,
    });
    const { channel, done } = h.ep.call(h.core, { dest: '1' });
    await done;
    expect(channel.getVariable('arr')!.split('|:')).toHaveLength(256);
    expect(channel.getVariable('current_application_response')).toBe('-ERR arr is full');
  });

  it('set_global writes a global that ${…} then reads; an empty value removes it', async () => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: 'set_global:office=open,set:seen=${office}', dialplan: 'inline' });
    await done;
    expect(h.globals.get('office')).toBe('open');
    expect(channel.getVariable('seen')).toBe('open');
    await h.ep.call(h.core, { dest: 'set_global:office=', dialplan: 'inline' }).done;
    expect(h.globals.has('office')).toBe(false);
  });

  it('exported variables reach the bridged leg; nolocal: ones arrive without the prefix', async () => {
    h = await makeHarness();
    h.ep.script('bob', { answerMs: 5, byeAfterMs: 5 });
    const { done } = h.ep.call(h.core, { dest: 'export:a=1,export:nolocal:b=2,set:c=3,bridge:test/bob', dialplan: 'inline' });
    await done;
    const b = h.ep.legs[0]!.channel;
    expect([b.getVariable('a'), b.getVariable('b'), b.getVariable('nolocal:b'), b.getVariable('c')]).toEqual(['1', '2', undefined, undefined]);
  });

  it('set, export and multiset run inline during the hunt so later conditions see them', async () => {
    h = await makeHarness({
      dialplanXml: `<include><context name="default">
        <extension name="first" continue="true"><condition>
          <action application="set" data="zone=gold" inline="true"/>
          <action application="multiset" data="m1=a m2=b" inline="true"/>
          <action application="hash" data="insert/r/k/v" inline="true"/>
        </condition></extension>
        <extension name="second"><condition field="\${zone}" expression="^gold$">
          <action application="set" data="got=\${m2}"/>
          <anti-action application="set" data="got=nothing"/>
        </condition></extension>
      </context></include>`,
    });
    const { channel, done } = h.ep.call(h.core, { dest: '100' });
    await done;
    expect(channel.getVariable('got')).toBe('b');
    // hash is not routing-safe: FreeSWITCH skips it with an error, and so do we.
    expect(h.apps.hash.select('r', 'k')).toBeUndefined();
    expect(h.logs.some((r) => /cannot be executed inline/i.test(r.msg))).toBe(true);
  });
});
