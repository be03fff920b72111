// 1,000 calls at once, each ringing two legs, each ended by a race between the caller
// cancelling and a callee answering, in both orders and at the same moment. Afterwards no
// channel, no leg timer, no originate timer and no scheduled hangup may be left.

import { afterEach, describe, expect, it } from 'vitest';
import { makeHarness, settle, until, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.close());

const CALLS = 1000;

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('cancel races', () => {
  it('1,000 simultaneous cancel/answer races leave zero channels and no timers', async () => {
    h = await makeHarness();
    const baseline = timeouts();
    const calls = Array.from({ length: CALLS }, (_, i) =>
      h!.ep.call(h!.core, { dest: `m:^:sched_hangup:+3600^set:hangup_after_bridge=true^bridge:test/a${i},test/b${i}`, dialplan: 'inline' }),
    );
    await until(() => h!.ep.legs.length === 2 * CALLS && h!.ep.legs.every((l) => l.channel.callState === 'RINGING'), 'every leg ringing', 20_000);
    expect(h.core.channelCount).toBe(3 * CALLS);
    expect(h.apps.scheduler.pendingCount).toBe(CALLS);
    const byTarget = new Map(h.ep.legs.map((l) => [l.target, l]));
    calls.forEach((call, i) => {
      const b = byTarget.get(`b${i}`)!;
      switch (i % 4) {
        case 0: // the callee answers, then the caller's CANCEL arrives in the same turn
          b.farAnswer();
          call.channel.hangup('ORIGINATOR_CANCEL');
          break;
        case 1: // the CANCEL first, then the 200 OK
          call.channel.hangup('ORIGINATOR_CANCEL');
          b.farAnswer();
          break;
        case 2: // the 200 OK in a microtask behind the CANCEL
          queueMicrotask(() => b.farAnswer());
          call.channel.hangup('ORIGINATOR_CANCEL');
          break;
        default: // the CANCEL a turn after the 200 OK: the call is bridged, then ends
          b.farAnswer();
          setImmediate(() => call.channel.hangup('NORMAL_CLEARING'));
      }
    });
    await Promise.all(calls.map((c) => c.done));
    await until(() => h!.core.channelCount === 0, 'every channel destroyed', 10_000);
    await settle();
    expect(h.core.channelCount).toBe(0);
    expect(h.apps.scheduler.pendingCount).toBe(0);
    expect(h.ep.legs.every((l) => l.channel.hungUp && l.pendingTimers === 0)).toBe(true);
    expect(timeouts()).toBeLessThanOrEqual(baseline);
    // Every A-leg ended as the race said; no callee outlived its caller.
    for (let i = 0; i < CALLS; i++) {
      const a = calls[i]!.channel;
      expect(a.hangupCause).toBe(i % 4 === 3 ? 'NORMAL_CLEARING' : 'ORIGINATOR_CANCEL');
      expect(byTarget.get(`a${i}`)!.channel.hangupCause).toMatch(/^(LOSE_RACE|ORIGINATOR_CANCEL)$/);
    }
    const bridged = h.events.filter((e) => e.name === 'CHANNEL_BRIDGE').length;
    const unbridged = h.events.filter((e) => e.name === 'CHANNEL_UNBRIDGE').length;
    expect(bridged).toBe(unbridged);
    expect(bridged).toBeGreaterThanOrEqual(CALLS / 4);
  });
});
