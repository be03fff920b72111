// DTMF (issue 6): SIPp calls 9196 (echo, answered by the switch in default mode), plays the
// RFC 2833 press of "1" that sip-tester ships (a pcap of telephone-event packets), then sends
// "5" as SIP INFO. The modesl client, subscribed to DTMF, sees both on the caller's channel,
// each with its source. With the profile's dtmf-type set to info, a digit the caller sends as
// INFO reaches the bridged callee as INFO.
import type { Connection, Event as EslEvent } from 'modesl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { call, confCopy, connectModesl, startCallee, waitIdle, waitUntil } from '../calls/helpers.js';

const PCAP = '/usr/share/sip-tester/dtmf_2833_1.pcap';
const ready = peerAvailable('sipp') && (existsSync(PCAP) || process.env.SOFTSWITCH_INTEROP_REQUIRED === '1');


describe.skipIf(!ready)('DTMF from a SIPp caller, seen on the event socket', () => {
  let sw: RunningSwitch;
  let conn: Connection | undefined;
  beforeAll(async () => {
    sw = await startSwitch({ vars: { auth_fail_ban_count: '0' } });
  });
  afterAll(async () => {
    conn?.socket?.destroy();
    expect(await sw.stop()).toBe(0);
  });

  it('an RFC 2833 "1" and an INFO "5" become DTMF events with DTMF-Source RTP and INFO', async () => {
    conn = await connectModesl(sw.eslPort);
    await new Promise<EslEvent>((resolve) => conn!.events('plain', ['DTMF'], resolve));
    const seen: EslEvent[] = [];
    conn.on('esl::event::**', (e: EslEvent) => {
      if (e.getHeader('Event-Name') === 'DTMF') seen.push(e);
    });
    const r = await call(sw, 'uac-invite-auth-dtmf-pcap-send-bye.xml', '9196');
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    await waitUntil(() => seen.length >= 2, 5000, `two DTMF events (got ${seen.length})`);
    const digits = seen.map((e) => [e.getHeader('DTMF-Digit'), e.getHeader('DTMF-Source')]);
    expect(digits).toEqual([['1', 'RTP'], ['5', 'INFO']]);
    for (const e of seen) {
      expect(e.getHeader('Caller-Caller-ID-Number')).toBe('1001');
      expect(Number(e.getHeader('DTMF-Duration'))).toBeGreaterThan(0);
    }
    await waitIdle(sw);
  });

  it('between bridged legs whose profile takes DTMF as SIP INFO, the caller\'s INFO reaches the callee as INFO', async () => {
    const conf = confCopy({
      'sip_profiles/internal.xml': (t) => t.replace('<!-- <param name="dtmf-type" value="info"/> -->', '<param name="dtmf-type" value="info"/>'),
    });
    const info = await startSwitch({ confDir: conf.dir, vars: { auth_fail_ban_count: '0' } });
    const callee = await startCallee(info, 'uas-answer-200-expect-info-bye.xml');
    try {
      const r = await call(info, 'uac-invite-auth-dtmf-pcap-send-bye.xml', '1000');
      expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
      await waitUntil(() => /BYE sip:/.test(callee.messages()), 5000, 'the BYE at the callee');
      const side = await callee.stop();
      expect(side.errors).toBe('');
      expect(side.messages).toMatch(/INFO sip:[\s\S]*Signal=5/);
    } finally {
      await callee.stop();
      expect(await info.stop()).toBe(0);
      conf.remove();
    }
  });
});
