// The limit application and limit_usage API: concurrent counts released at hangup, the call
// over the limit hung up with !CAUSE or transferred to limit_exceeded, rate windows, counting
// once per channel, bad arguments, and an unknown backend refusing the call.
import { afterEach, describe, expect, it } from 'vitest';
import { LimitStore, limitApp, limitUsageApi } from '../../../src/apps/index.js';
import type { Channel } from '../../../src/b2bua/index.js';
import { callHarness, until, type Harness } from '../support/call-harness.js';

describe('LimitStore', () => {
  it('counts up to max, refuses the next, and frees a slot when a channel is released', () => {
    const s = new LimitStore();
    expect(s.acquire('gw', 'carrier', 2, 'a')).toEqual({ allowed: true, usage: 1 });
    expect(s.acquire('gw', 'carrier', 2, 'b')).toEqual({ allowed: true, usage: 2 });
    expect(s.acquire('gw', 'carrier', 2, 'c')).toEqual({ allowed: false, usage: 2 });
    expect(s.acquire('gw', 'other', 2, 'c')).toEqual({ allowed: true, usage: 1 });
    s.release('a');
    expect(s.usage('gw', 'carrier')).toBe(1);
    expect(s.acquire('gw', 'carrier', 2, 'c').allowed).toBe(true);
    s.release('b');
    s.release('c');
    expect(s.dump()).toEqual(new Map());
  });

  it('counts a channel once per resource however often it asks', () => {
    const s = new LimitStore();
    s.acquire('r', 'x', 1, 'a');
    expect(s.acquire('r', 'x', 1, 'a')).toEqual({ allowed: true, usage: 1 });
  });

  it('with a negative max only counts', () => {
    const s = new LimitStore();
    for (const id of ['a', 'b', 'c']) expect(s.acquire('r', 'x', -1, id).allowed).toBe(true);
    expect(s.usage('r', 'x')).toBe(3);
  });

  it('max/interval allows max calls per window, then opens a new window', () => {
    let now = 0;
    const s = new LimitStore(() => now);
    expect([1, 2, 3].map(() => s.acquireRate('r', 'x', 2, 10).allowed)).toEqual([true, true, false]);
    now = 9_999;
    expect(s.acquireRate('r', 'x', 2, 10).allowed).toBe(false);
    now = 10_000;
    expect(s.acquireRate('r', 'x', 2, 10)).toEqual({ allowed: true, usage: 1 });
  });

  it('limit_usage answers the live count, and a usage line for bad arguments', () => {
    const s = new LimitStore();
    s.acquire('outbound', 'carrier', 5, 'a');
    const api = limitUsageApi(s);
    expect(api('hash outbound carrier')).toBe('1');
    expect(api('db outbound carrier')).toBe('1');
    expect(api('hash outbound nothing')).toBe('0');
    expect(api('hash outbound')).toMatch(/^-USAGE/);
    expect(api('redis outbound carrier')).toMatch(/^-ERR unknown limit backend/);
  });
});

const DIALPLAN = `
<context name="default">
  <extension name="limited">
    <condition field="destination_number" expression="^cap(\\d+)$">
      <action application="limit" data="hash outbound carrier $1 !NORMAL_CIRCUIT_CONGESTION"/>
      <action application="park"/>
    </condition>
  </extension>
  <extension name="to_exceeded">
    <condition field="destination_number" expression="^soft$">
      <action application="limit" data="hash outbound soft 1"/>
      <action application="park"/>
    </condition>
  </extension>
  <extension name="limit_exceeded">
    <condition field="destination_number" expression="^limit_exceeded$">
      <action application="set" data="went=limit_exceeded"/>
      <action application="hangup" data="USER_BUSY"/>
    </condition>
  </extension>
  <extension name="bad">
    <condition field="destination_number" expression="^bad-(.*)$">
      <action application="limit" data="$1"/>
      <action application="park"/>
    </condition>
  </extension>
</context>`;

describe('the limit application', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function setup(): Promise<{ h: Harness; store: LimitStore; call: (dest: string) => Channel }> {
    h = await callHarness({ dialplan: DIALPLAN });
    const store = new LimitStore();
    h.core.registerApplication(limitApp(store));
    const call = (dest: string) => {
      const ch = h!.endpoint.inbound(h!.core, { destination: dest });
      void h!.core.run(ch);
      return ch;
    };
    return { h, store, call };
  }

  it('lets max calls through and hangs up the next one with the !CAUSE; a hangup frees a slot', async () => {
    const { store, call } = await setup();
    const a = call('cap2');
    const b = call('cap2');
    await until(() => a.state === 'CS_PARK' && b.state === 'CS_PARK', 2000, 'two parked calls');
    const c = call('cap2');
    await until(() => c.hungUp, 2000, 'the third call refused');
    expect(c.hangupCause).toBe('NORMAL_CIRCUIT_CONGESTION');
    expect(a.getVariable('limit_usage')).toBe('1');
    expect(b.getVariable('limit_usage_outbound_carrier')).toBe('2');
    expect(store.usage('outbound', 'carrier')).toBe(2);
    a.hangup('NORMAL_CLEARING');
    await until(() => store.usage('outbound', 'carrier') === 1, 2000, 'the slot freed');
    const d = call('cap2');
    await until(() => d.state === 'CS_PARK', 2000, 'a new call parked');
    b.hangup();
    d.hangup();
    await until(() => store.usage('outbound', 'carrier') === 0, 2000, 'everything released');
  });

  it('without a destination the call over the limit goes to limit_exceeded in its context', async () => {
    const { call } = await setup();
    const a = call('soft');
    await until(() => a.state === 'CS_PARK', 2000, 'first call parked');
    const b = call('soft');
    await until(() => b.hungUp, 2000, 'second call transferred and refused');
    expect(b.getVariable('went')).toBe('limit_exceeded');
    expect(b.hangupCause).toBe('USER_BUSY');
    a.hangup();
  });

  it.each([
    ['hash only-realm', '-ERR Usage'],
    ['hash r x ten', '-ERR Usage'],
    ['hash r x 5/0', '-ERR Usage'],
  ])('bad arguments (%s) answer %s and count nothing', async (args, response) => {
    const { store, call } = await setup();
    const ch = call(`bad-${args}`);
    await until(() => ch.getVariable('current_application_response') !== undefined || ch.hungUp, 2000, 'limit ran');
    expect(ch.getVariable('current_application_response')).toMatch(new RegExp(`^${response}`));
    expect(store.dump().size).toBe(0);
    ch.hangup();
  });

  it('an unknown backend refuses the call rather than letting it through uncounted', async () => {
    const { call } = await setup();
    const ch = call('bad-redis r x 5');
    await until(() => ch.hungUp, 2000, 'call refused');
    expect(ch.hangupCause).toBe('NORMAL_TEMPORARY_FAILURE');
  });
});
