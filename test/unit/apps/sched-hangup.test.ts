// sched_hangup: parsing, firing with the right cause on the right leg, and no timer left
// behind when the call ends first.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Channel, type ChannelDriver } from '../../../src/b2bua/index.js';
import { silentLogger } from '../../../src/common/index.js';
import { HangupScheduler } from '../../../src/apps/index.js';
import { parseSchedHangup } from '../../../src/apps/sched-hangup.js';
import { makeHarness, settle, until, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  vi.useRealTimers();
});

const NOW = 1_700_000_000_000;

describe('parseSchedHangup', () => {
  it.each([
    ['+60', { atMs: NOW + 60_000, cause: 'ALLOTTED_TIMEOUT', bleg: false }],
    ['+0', { atMs: NOW, cause: 'ALLOTTED_TIMEOUT', bleg: false }],
    ['+5 USER_BUSY', { atMs: NOW + 5000, cause: 'USER_BUSY', bleg: false }],
    ['+5 17 bleg', { atMs: NOW + 5000, cause: 'USER_BUSY', bleg: true }],
    ['+5 bleg', { atMs: NOW + 5000, cause: 'ALLOTTED_TIMEOUT', bleg: true }],
    ['1700000100', { atMs: 1_700_000_100_000, cause: 'ALLOTTED_TIMEOUT', bleg: false }],
    ['+5 nonsense', { atMs: NOW + 5000, cause: 'NORMAL_CLEARING', bleg: false }],
  ])('"%s"', (data, expected) => {
    expect(parseSchedHangup(data, NOW)).toEqual(expected);
  });

  it.each(['', 'soon', '+', '-5', '+5s', '99999999999999999999'])('refuses "%s"', (data) => {
    expect(parseSchedHangup(data, NOW)).toBeUndefined();
  });
});

describe('sched_hangup on calls', () => {
  it('+0 hangs up with ALLOTTED_TIMEOUT as soon as the app returns, ending the next app', async () => {
    h = await makeHarness();
    const t0 = Date.now();
    const { channel, done } = h.ep.call(h.core, { dest: 'answer,sched_hangup:+0,sleep:10000', dialplan: 'inline' });
    await done;
    expect(channel.hangupCause).toBe('ALLOTTED_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('+1 with a cause fires after a second', async () => {
    h = await makeHarness();
    const t0 = Date.now();
    const { channel, done } = h.ep.call(h.core, { dest: 'answer,sched_hangup:+1 USER_BUSY,park', dialplan: 'inline' });
    await done;
    expect(channel.hangupCause).toBe('USER_BUSY');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('an epoch time in the past fires at once', async () => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: 'answer,sched_hangup:1000 CALL_REJECTED,park', dialplan: 'inline' });
    await done;
    expect(channel.hangupCause).toBe('CALL_REJECTED');
  });

  it('bleg hangs up the bridged partner, and the caller follows by hangup_after_bridge', async () => {
    h = await makeHarness();
    h.ep.script('bob', { answerMs: 1 });
    const { channel: a, done } = h.ep.call(h.core, { dest: 'set:hangup_after_bridge=true,bridge:test/bob', dialplan: 'inline' });
    await until(() => a.partner !== undefined, 'the bridge');
    const b = a.partner!;
    await h.core.execute(a, 'sched_hangup', '+0 MEDIA_TIMEOUT bleg');
    await done;
    expect(b.hangupCause).toBe('MEDIA_TIMEOUT');
    expect(a.hangupCause).toBe('MEDIA_TIMEOUT');
  });

  it('a call that ends first leaves no scheduled hangup and no timer behind', async () => {
    h = await makeHarness();
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { channel, done } = h.ep.call(h.core, { dest: 'sched_hangup:+600,sched_hangup:+900 bleg,park', dialplan: 'inline' });
    await until(() => channel.state === 'CS_PARK', 'park');
    await new Promise((r) => setTimeout(r, 5));
    expect(h.apps.scheduler.pendingCount).toBe(2);
    channel.hangup('NORMAL_CLEARING');
    await done;
    await settle();
    expect(h.apps.scheduler.pendingCount).toBe(0);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(before);
  });

  it('refuses a 17th scheduled hangup on one channel', async () => {
    h = await makeHarness();
    const list = [...Array.from({ length: 17 }, () => 'sched_hangup:+600'), 'park'].join(',');
    const { channel, done } = h.ep.call(h.core, { dest: list, dialplan: 'inline' });
    await until(() => channel.state === 'CS_PARK', 'park');
    expect(h.apps.scheduler.pendingCount).toBe(16);
    channel.hangup();
    await done;
    expect(h.apps.scheduler.pendingCount).toBe(0);
  });
});

describe('HangupScheduler', () => {
  const driver: ChannelDriver = { technology: 'test', ringReady() {}, preAnswer() {}, answer() {}, hangup() {} };

  it('waits past setTimeout’s 24.8-day limit without firing early', () => {
    vi.useFakeTimers({ now: NOW });
    const ch = new Channel({ direction: 'inbound', name: 'test/long', driver, logger: silentLogger });
    const scheduler = new HangupScheduler();
    const day = 86_400_000;
    expect(scheduler.schedule(ch, NOW + 30 * day, 'ALLOTTED_TIMEOUT', false)).toBe(true);
    vi.advanceTimersByTime(25 * day);
    expect(ch.hungUp).toBe(false);
    vi.advanceTimersByTime(5 * day - 1);
    expect(ch.hungUp).toBe(false);
    vi.advanceTimersByTime(2);
    expect(ch.hangupCause).toBe('ALLOTTED_TIMEOUT');
    expect(scheduler.pendingCount).toBe(0);
  });

  it('does not schedule on a channel that already hung up', () => {
    const ch = new Channel({ direction: 'inbound', name: 'test/gone', driver, logger: silentLogger });
    ch.hangup();
    expect(new HangupScheduler().schedule(ch, 0, 'ALLOTTED_TIMEOUT', false)).toBe(false);
  });
});
