// mod_hash: the store (keys <realm>_<key>, bounded), the `hash` application and the `hash` API
// (`${hash(select/…)}` in the dialplan), one row per command.

import { afterEach, describe, expect, it } from 'vitest';
import { HashStore, hashApi } from '../../../src/apps/index.js';
import { makeHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.close());

describe('the hash API', () => {
  const rows: Array<[command: string, output: string, after: Record<string, string>]> = [
    ['insert/realm/k/v', '+OK\n', { realm_k: 'v' }],
    ['select/realm/k', 'v', { realm_k: 'v' }],
    ['select/realm/missing', '', { realm_k: 'v' }],
    ['insert/realm/k/v2', '+OK\n', { realm_k: 'v2' }],
    ['insert_ifempty/realm/k/v3', '-ERR key already exists\n', { realm_k: 'v2' }],
    ['insert_ifempty/realm/j/sofia/internal/1000', '+OK\n', { realm_k: 'v2', realm_j: 'sofia/internal/1000' }],
    ['delete_ifmatch/realm/k/nope', "-ERR Doesn't match\n", { realm_k: 'v2', realm_j: 'sofia/internal/1000' }],
    ['delete_ifmatch/realm/k/v2', '+OK\n', { realm_j: 'sofia/internal/1000' }],
    ['delete/realm/j', '+OK\n', {}],
    ['delete/realm/j', '-ERR Not found\n', {}],
    ['delete_ifmatch/realm/j/x', '-ERR Not found\n', {}],
    ['insert/realm/k', '-ERR Usage: hash insert|insert_ifempty|select|delete|delete_ifmatch/realm/key[/value]\n', {}],
    ['select/realm', '-ERR Usage: hash insert|insert_ifempty|select|delete|delete_ifmatch/realm/key[/value]\n', {}],
    ['frob/realm/k/v', '-ERR Usage: hash insert|insert_ifempty|select|delete|delete_ifmatch/realm/key[/value]\n', {}],
    ['', '-ERR Usage: hash insert|insert_ifempty|select|delete|delete_ifmatch/realm/key[/value]\n', {}],
  ];
  const store = new HashStore();
  const api = hashApi(store);
  it.each(rows)('hash %j', (command, output, after) => {
    expect(api(command)).toBe(output);
    expect(Object.fromEntries(store.dump())).toEqual(after);
  });
});

describe('HashStore bounds', () => {
  it('drops the oldest key past maxEntries and counts it', () => {
    const store = new HashStore({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) store.insert('r', k, k);
    store.insert('r', 'a', 'a2'); // rewriting makes it the newest
    store.insert('r', 'd', 'd');
    expect([...store.dump().keys()]).toEqual(['r_c', 'r_a', 'r_d']);
    expect([store.size, store.evicted]).toEqual([3, 1]);
  });

  it('refuses an entry longer than maxEntryChars', () => {
    const store = new HashStore({ maxEntryChars: 64 });
    expect(store.insert('r', 'k', 'x'.repeat(100))).toBe('too-big');
    expect(hashApi(store)(`insert/r/k/${'x'.repeat(100)}`)).toBe('-ERR too big\n');
    expect(store.size).toBe(0);
  });

  it('stays bounded under 10 000 distinct inserts', () => {
    const store = new HashStore({ maxEntries: 1000 });
    for (let i = 0; i < 10_000; i++) store.insert('spymap', String(i), `uuid-${i}`);
    expect(store.size).toBe(1000);
    expect(store.select('spymap', '9999')).toBe('uuid-9999');
    expect(store.select('spymap', '0')).toBeUndefined();
  });
});

describe('the hash application', () => {
  it('insert, insert_ifempty, delete_ifmatch and delete from the dialplan; ${hash(select/…)} reads them', async () => {
    h = await makeHarness();
    const list = [
      'hash:insert/d-call_return/1000/1001',
      'hash:insert_ifempty/d-call_return/1000/1999',
      'set:who=${hash(select/d-call_return/1000)}',
      'hash:insert/d-last_dial/1001/1000',
      'hash:delete_ifmatch/d-last_dial/1001/9999',
      'set:kept=${hash(select/d-last_dial/1001)}',
      'hash:delete_ifmatch/d-last_dial/1001/1000',
      'set:gone=${hash(select/d-last_dial/1001)}',
      'hash:insert/d-x/k/v',
      'hash:delete/d-x/k',
    ].join(',');
    const { channel, done } = h.ep.call(h.core, { dest: list, dialplan: 'inline' });
    await done;
    expect([channel.getVariable('who'), channel.getVariable('kept'), channel.getVariable('gone')]).toEqual(['1001', '1000', undefined]);
    expect(Object.fromEntries(h.apps.hash.dump())).toEqual({ 'd-call_return_1000': '1001' });
  });

  it('bad arguments log the usage and the call goes on', async () => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: 'hash:insert/only-realm,hash:select/r/k,set:ok=yes', dialplan: 'inline' });
    await done;
    expect(channel.getVariable('ok')).toBe('yes');
    expect(h.logs.filter((r) => /^Usage: hash insert\|insert_ifempty\|delete\|delete_ifmatch/.test(r.msg))).toHaveLength(2);
    expect(h.apps.hash.size).toBe(0);
  });

  it('an empty key is stored under <realm>_ as FreeSWITCH does (vanilla with no callgroup)', async () => {
    h = await makeHarness();
    const { done } = h.ep.call(h.core, { dest: 'hash:insert/d-last_dial_ext/${called_party_callgroup}/${uuid}', dialplan: 'inline' });
    await done;
    expect([...h.apps.hash.dump().keys()]).toEqual(['d-last_dial_ext_']);
  });
});
