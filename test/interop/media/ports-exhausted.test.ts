// RTP port exhaustion (issue 6): with switch.conf's range cut to four ports (two RTP/RTCP pairs:
// one call in default mode), a second call while the first is up is refused cleanly with 503
// (NORMAL_TEMPORARY_FAILURE) — no crash, no hang — and once the first call ends its ports
// return to the pool and the next call goes through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { startCallee, waitIdle, waitUntil, type Callee } from '../calls/helpers.js';
import { dial, inviteFinals } from '../gateways/helpers.js';

const hasSipp = peerAvailable('sipp');

describe.skipIf(!hasSipp)('RTP ports run out', () => {
  let sw: RunningSwitch;
  let callee: Callee;
  beforeAll(async () => {
    sw = await startSwitch({ vars: { auth_fail_ban_count: '0', rtp_start_port: '31200', rtp_end_port: '31203' } });
    callee = await startCallee(sw, 'uas-answer-200-expect-bye.xml');
  });
  afterAll(async () => {
    await callee.stop();
    expect(await sw.stop()).toBe(0);
  });

  it('a call that finds no free RTP port gets 503; the ports come back when the first call ends', async () => {
    const first = await dial(sw, '1001', '1000', { holdMs: 3000, password: '1234' });
    await waitUntil(() => inviteFinals(first.messages()).includes(200), 5000, 'the first call answered');
    const second = await dial(sw, '1002', '1000', { holdMs: 200, password: '1234' });
    await second.exit();
    expect(inviteFinals(second.messages())).toEqual([503]);
    expect(await first.exit()).toBe(0);
    await waitIdle(sw);
    const third = await dial(sw, '1003', '1000', { holdMs: 200, password: '1234' });
    expect(await third.exit()).toBe(0);
    expect(inviteFinals(third.messages())).toEqual([200]);
    for (const p of [first, second, third]) await p.stop();
  });
});
