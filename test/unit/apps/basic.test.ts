// The call-control basics on the real core: what each app asks of the caller's leg, and how the
// call ends. One row per dialplan, written inline (`app:arg,app:arg`).

import { afterEach, describe, expect, it } from 'vitest';
import { makeHarness, settle, until, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.close());

interface Row {
  name: string;
  /** The inline dialplan the caller runs. */
  list: string;
  calls: string[];
  cause: string;
  status?: number;
}

const rows: Row[] = [
  { name: 'answer then the list runs out: answered, NORMAL_CLEARING', list: 'answer', calls: ['answer', 'hangup:NORMAL_CLEARING'], cause: 'NORMAL_CLEARING' },
  { name: 'ring_ready sends 180, pre_answer 183, answer 200, in order', list: 'ring_ready,pre_answer,answer,hangup', calls: ['ringReady', 'preAnswer', 'answer', 'hangup:NORMAL_CLEARING'], cause: 'NORMAL_CLEARING' },
  { name: 'answer twice answers once', list: 'answer,answer', calls: ['answer', 'hangup:NORMAL_CLEARING'], cause: 'NORMAL_CLEARING' },
  { name: 'hangup with a cause name', list: 'hangup:USER_BUSY', calls: ['hangup:USER_BUSY'], cause: 'USER_BUSY', status: 486 },
  { name: 'hangup with a cause in lower case', list: 'hangup:call_rejected', calls: ['hangup:CALL_REJECTED'], cause: 'CALL_REJECTED', status: 603 },
  { name: 'hangup with a Q.850 number', list: 'hangup:17', calls: ['hangup:USER_BUSY'], cause: 'USER_BUSY', status: 486 },
  { name: 'hangup with an unknown cause is NORMAL_CLEARING', list: 'hangup:NO_SUCH_THING', calls: ['hangup:NORMAL_CLEARING'], cause: 'NORMAL_CLEARING', status: 480 },
  { name: 'hangup stops the list: later apps do not run', list: 'hangup:NO_ROUTE_DESTINATION,answer', calls: ['hangup:NO_ROUTE_DESTINATION'], cause: 'NO_ROUTE_DESTINATION', status: 404 },
  { name: 'respond with a final status ends the call with that status', list: 'respond:503 Maintenance', calls: ['respond:503', 'hangup:NORMAL_TEMPORARY_FAILURE'], cause: 'NORMAL_TEMPORARY_FAILURE', status: 503 },
  { name: 'respond with a provisional status lets the list go on', list: 'respond:180,hangup:USER_BUSY', calls: ['respond:180', 'hangup:USER_BUSY'], cause: 'USER_BUSY', status: 486 },
  { name: 'an unknown application hangs up with DESTINATION_OUT_OF_ORDER', list: 'no_such_app:x,answer', calls: ['hangup:DESTINATION_OUT_OF_ORDER'], cause: 'DESTINATION_OUT_OF_ORDER', status: 502 },
  { name: 'eval runs its expansion and does nothing else', list: 'eval:${hash(insert/r/k/v)},hangup:${hash(select/r/k)}', calls: ['hangup:NORMAL_CLEARING'], cause: 'NORMAL_CLEARING' },
];

describe('answer, pre_answer, ring_ready, hangup, respond, eval', () => {
  it.each(rows)('$name', async (row) => {
    h = await makeHarness();
    const { channel, leg, done } = h.ep.call(h.core, { dest: row.list, dialplan: 'inline' });
    await done;
    expect(leg.calls).toEqual(row.calls);
    expect(channel.hangupCause).toBe(row.cause);
    if (row.status !== undefined) expect(leg.finalStatus).toBe(row.status);
  });

  it('eval with hash insert leaves the value for later apps', async () => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: "eval:${hash(insert/r/k/v)},set:x=${hash(select/r/k)}", dialplan: 'inline' });
    await done;
    expect(channel.getVariable('x')).toBe('v');
  });
});

describe('sleep and park', () => {
  it('sleep waits its milliseconds, then the list goes on', async () => {
    h = await makeHarness();
    const t0 = Date.now();
    const { leg, done } = h.ep.call(h.core, { dest: 'sleep:60,answer', dialplan: 'inline' });
    await done;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    expect(leg.calls[0]).toBe('answer');
  });

  it('a hangup during sleep ends it at once and no timer is left', async () => {
    h = await makeHarness();
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const { channel, done } = h.ep.call(h.core, { dest: 'sleep:60000,answer', dialplan: 'inline' });
    await until(() => channel.application === 'sleep', 'sleep to start');
    expect(timeouts()).toBe(before + 1);
    const t0 = Date.now();
    channel.hangup('NORMAL_CLEARING');
    await done;
    expect(Date.now() - t0).toBeLessThan(1000);
    await settle();
    expect(h.core.channelCount).toBe(0);
    expect(timeouts()).toBe(before);
  });

  it('park holds the channel in CS_PARK until it hangs up', async () => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: 'answer,park', dialplan: 'inline' });
    await until(() => channel.state === 'CS_PARK', 'park');
    channel.hangup('NORMAL_CLEARING');
    await done;
    expect(channel.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('CHANNEL_EXECUTE and CHANNEL_EXECUTE_COMPLETE come for each app with its expanded data', async () => {
    h = await makeHarness();
    const { channel, done } = h.ep.call(h.core, { dest: 'set:a=${uuid},hangup', dialplan: 'inline' });
    await done;
    const mine = h.events.filter((e) => e.headers.some(([k, v]) => k === 'Unique-ID' && v === channel.uuid));
    const exec = mine.filter((e) => e.name === 'CHANNEL_EXECUTE').map((e) => e.headers.find(([k]) => k === 'Application-Data')?.[1]);
    expect(exec).toEqual([`a=${channel.uuid}`, '']);
    expect(mine.filter((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE')).toHaveLength(2);
  });
});
