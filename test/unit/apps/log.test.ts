// `log` and `info` write to the channel's log at FreeSWITCH's levels; `info` writes the
// CHANNEL_DATA block. Also bind_meta_app / unbind_meta_app, which only record bindings for now.

import { afterEach, describe, expect, it } from 'vitest';
import { metaAppBindings } from '../../../src/apps/index.js';
import { logsOf, makeHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.close());

/** pino levels: 60 fatal (FS CRIT), 50 error, 40 warn, 30 info, 20 debug. */
const rows: Array<{ data: string; level: number; fsLevel: string; msg: string }> = [
  { data: 'CRIT change the default_password', level: 60, fsLevel: 'CRIT', msg: 'change the default_password' },
  { data: 'ERR broken', level: 50, fsLevel: 'ERR', msg: 'broken' },
  { data: 'WARNING careful', level: 40, fsLevel: 'WARNING', msg: 'careful' },
  { data: 'NOTICE note', level: 30, fsLevel: 'NOTICE', msg: 'note' },
  { data: 'info lower case level', level: 30, fsLevel: 'INFO', msg: 'lower case level' },
  { data: '7 numeric level', level: 20, fsLevel: 'DEBUG', msg: 'numeric level' },
  { data: 'hello world', level: 20, fsLevel: 'DEBUG', msg: 'world' },
  { data: 'single', level: 20, fsLevel: 'DEBUG', msg: 'single' },
];

describe('log', () => {
  it.each(rows)('log "$data" is written at $fsLevel as "$msg"', async (row) => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: `log:'${row.data}'`, dialplan: 'inline' });
    await done;
    const lines = logsOf(h, channel, 'log');
    expect(lines.map((r) => [r.level, r.fsLevel, r.msg])).toEqual([[row.level, row.fsLevel, row.msg]]);
  });
});

describe('info', () => {
  it('writes CHANNEL_DATA with channel, caller profile and variable lines at INFO', async () => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: 'set:color=blue,info', dialplan: 'inline', cidNumber: '1005' });
    await done;
    const [line] = logsOf(h, channel, 'info');
    expect(line!.level).toBe(30);
    const text = line!.msg;
    expect(text.split('\n')[0]).toBe('CHANNEL_DATA:');
    expect(text).toContain('\nChannel-State: [CS_EXECUTE]\n');
    expect(text).toContain(`\nUnique-ID: [${channel.uuid}]\n`);
    expect(text).toContain('\nCaller-Caller-ID-Number: [1005]\n');
    expect(text).toContain('\nvariable_color: [blue]');
  });

  it('takes a level: info DEBUG writes at debug', async () => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: 'info:DEBUG', dialplan: 'inline' });
    await done;
    expect(logsOf(h, channel, 'info').map((r) => r.level)).toEqual([20]);
  });
});

describe('bind_meta_app', () => {
  it('records the vanilla bindings without touching the call', async () => {
    h = await makeHarness();
    const list = [
      'bind_meta_app:1 b s execute_extension::dx XML features',
      "bind_meta_app:'2 b s record_session::/tmp/x.wav'",
      'bind_meta_app:3 ab s1 transfer::intercept:x inline',
      'park',
    ].join(',');
    const { channel, done } = h.ep.call(h.core, { dest: `m:^:${list.replaceAll(',', '^')}`, dialplan: 'inline' });
    await new Promise((r) => setTimeout(r, 20));
    const bindings = metaAppBindings(channel);
    expect(bindings.map((b) => [b.key, b.listenA, b.listenB, b.execOn.join(''), b.once, b.app, b.args])).toEqual([
      ['1', false, true, 's', false, 'execute_extension', 'dx XML features'],
      ['2', false, true, 's', false, 'record_session', '/tmp/x.wav'],
      ['3', true, true, 's', true, 'transfer', 'intercept:x inline'],
    ]);
    expect(channel.hungUp).toBe(false);
    channel.hangup();
    await done;
  });

  it.each([
    ['a key that is not a digit', 'x b s app'],
    ['a missing application', '1 b s'],
    ['a bad listen leg', '1 c s app'],
    ['a bad flag', '1 b z app'],
  ])('refuses %s and keeps the call', async (_name, data) => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: `bind_meta_app:'${data}',set:after=yes`, dialplan: 'inline' });
    await done;
    expect(metaAppBindings(channel)).toEqual([]);
    expect(channel.getVariable('after')).toBe('yes');
    expect(channel.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('binding a key again replaces it; unbind_meta_app removes one key or all', async () => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, {
      dest: "m:^:bind_meta_app:1 b s a^bind_meta_app:1 b s b^bind_meta_app:2 b s c^bind_meta_app:3 b s d^unbind_meta_app:2^park",
      dialplan: 'inline',
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(metaAppBindings(channel).map((b) => `${b.key}:${b.app}`)).toEqual(['1:b', '3:d']);
    await h.core.execute(channel, 'unbind_meta_app', '');
    expect(metaAppBindings(channel)).toEqual([]);
    channel.hangup();
    await done;
  });
});
