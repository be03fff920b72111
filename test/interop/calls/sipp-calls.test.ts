// Calls through the real switch between two SIPp peers (issue 5): a callee registered as 1000
// (the 401 dance, then a UAS scenario for the INVITE it receives) and a caller 1001 that does
// the 407 dance. Each case checks the codes both sides saw, the CDR line in Master.csv, and
// that no call or channel is left behind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { call, cdrLines, cli, codes, count, nextCdr, received, sent, startCallee, waitIdle, waitUntil, type Callee } from './helpers.js';

const hasSipp = peerAvailable('sipp');

describe.skipIf(!hasSipp)('calls between SIPp peers through the switch', () => {
  let sw: RunningSwitch;
  let callee: Callee | undefined;
  beforeAll(async () => {
    sw = await startSwitch({ vars: { auth_fail_ban_count: '0' } });
  });
  afterEach(async () => {
    await callee?.stop();
    callee = undefined;
    await waitIdle(sw);
  });
  afterAll(async () => {
    expect(await sw.stop()).toBe(0);
  });

  it('1001 calls 1000, 1000 answers, 1001 hangs up: ringback from the switch (183), 200, ACK, BYE on both sides and a CDR with billsec', async () => {
    callee = await startCallee(sw, 'uas-answer-200-expect-bye.xml');
    const before = cdrLines(sw).length;
    const r = await call(sw, 'uac-invite-auth-expect-200-send-bye.xml', '1000', ['-d', '1200']);
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(codes(received(r.messages))).toEqual([100, 407, 100, 183, 200, 200]);
    const cdr = await nextCdr(sw, before);
    expect(cdr).toMatchObject({ callerIdNumber: '1001', destination: '1000', context: 'default', hangupCause: 'NORMAL_CLEARING' });
    expect(cdr.billsec).toBeGreaterThanOrEqual(1);
    expect(cdr.answer).not.toBe('');
    expect(cdr.blegUuid).toMatch(/^[0-9a-f-]{36}$/);
    await waitIdle(sw);
    const side = await callee.stop();
    expect(side.errors).toBe('');
    expect(received(side.messages).filter((l) => !l.startsWith('SIP/2.0'))).toEqual([
      expect.stringMatching(/^INVITE sip:1000@127\.0\.0\.1:\d+/), expect.stringMatching(/^ACK /), expect.stringMatching(/^BYE /),
    ]);
    expect(sent(side.messages).slice(-3)).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
    expect(await count(sw, 'calls')).toBe(0);
  });
  it('1000 hangs up an answered call: 1001 receives the BYE, 1000 its 200, and the CDR has billsec', async () => {
    callee = await startCallee(sw, 'uas-answer-200-send-bye.xml');
    const before = cdrLines(sw).length;
    const r = await call(sw, 'uac-invite-auth-expect-200-recv-bye.xml', '1000');
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(codes(received(r.messages))).toEqual([100, 407, 100, 183, 200]);
    expect(received(r.messages).at(-1)).toMatch(/^BYE sip:1001@127\.0\.0\.1:\d+/);
    expect(sent(r.messages).at(-1)).toBe('SIP/2.0 200 OK');
    const cdr = await nextCdr(sw, before);
    expect(cdr).toMatchObject({ callerIdNumber: '1001', destination: '1000', hangupCause: 'NORMAL_CLEARING' });
    expect(cdr.billsec).toBeGreaterThanOrEqual(1);
    const side = await callee.stop();
    expect(side.errors).toBe('');
    expect(codes(received(side.messages))).toEqual([401, 200, 200]);
    expect(sent(side.messages).at(-1)).toMatch(/^BYE sip:mod_sofia@127\.0\.0\.1:\d+/);
  });

  it('1001 cancels while 1000 rings: 200 for the CANCEL, 487 for the INVITE, and the callee is cancelled too', async () => {
    callee = await startCallee(sw, 'uas-ring-180-expect-cancel.xml');
    const before = cdrLines(sw).length;
    const r = await call(sw, 'uac-invite-auth-cancel-expect-487.xml', '1000');
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(codes(received(r.messages))).toEqual([100, 407, 100, 183, 200, 487]);
    const cdr = await nextCdr(sw, before);
    expect(cdr).toMatchObject({ callerIdNumber: '1001', destination: '1000', hangupCause: 'ORIGINATOR_CANCEL', answer: '', billsec: 0 });
    await waitUntil(() => /ACK sip:/.test(callee!.messages()), 5000, 'the ACK of the callee\'s 487');
    const side = await callee.stop();
    expect(side.errors).toBe('');
    expect(received(side.messages).filter((l) => !l.startsWith('SIP/2.0')).map((l) => l.split(' ')[0])).toEqual(['INVITE', 'CANCEL', 'ACK']);
    expect(sent(side.messages).slice(-3)).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 200 OK', 'SIP/2.0 487 Request Terminated']);
  });

  it('1000 is busy: 486 reaches 1001, and the CDR says USER_BUSY', async () => {
    callee = await startCallee(sw, 'uas-answer-486-expect-ack.xml');
    const before = cdrLines(sw).length;
    const r = await call(sw, 'uac-invite-auth-expect-486.xml', '1000');
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(codes(received(r.messages))).toEqual([100, 407, 100, 486]);
    expect(r.messages).toMatch(/SIP\/2\.0 486 Busy Here[\s\S]*Reason: Q\.850;cause=17;text="USER_BUSY"/);
    expect(await nextCdr(sw, before)).toMatchObject({ callerIdNumber: '1001', destination: '1000', hangupCause: 'USER_BUSY', billsec: 0 });
    await waitUntil(() => /ACK sip:/.test(callee!.messages()), 5000, 'the ACK of the callee\'s 486');
    expect((await callee.stop()).errors).toBe('');
  });

  it('a number no extension matches gets 404 and a NO_ROUTE_DESTINATION CDR', async () => {
    const before = cdrLines(sw).length;
    const r = await call(sw, 'uac-invite-auth-expect-404.xml', '1099');
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(codes(received(r.messages))).toEqual([100, 407, 100, 404]);
    expect(await nextCdr(sw, before)).toMatchObject({ callerIdNumber: '1001', destination: '1099', hangupCause: 'NO_ROUTE_DESTINATION' });
  });

  it('an extension with no registration gets 480 and a USER_NOT_REGISTERED CDR', async () => {
    const before = cdrLines(sw).length;
    const r = await call(sw, 'uac-invite-auth-expect-480.xml', '1002');
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(codes(received(r.messages))).toEqual([100, 407, 100, 480]);
    expect(await nextCdr(sw, before)).toMatchObject({ callerIdNumber: '1001', destination: '1002', hangupCause: 'USER_NOT_REGISTERED' });
  });

  it('an INVITE with a malformed SDP body gets 488 and leaves no channel', async () => {
    const before = cdrLines(sw).length;
    const r = await call(sw, 'uac-invite-bad-sdp-expect-488.xml', '1000');
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(codes(received(r.messages))).toEqual([100, 488]);
    expect(await count(sw, 'channels')).toBe(0);
    expect(cdrLines(sw)).toHaveLength(before);
  });

  it('the same INVITE arriving again by another path gets 482, and the first one still completes', async () => {
    callee = await startCallee(sw, 'uas-ring-180-expect-cancel.xml');
    const r = await call(sw, 'uac-invite-auth-merged-expect-482.xml', '1000');
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(codes(received(r.messages))).toEqual([100, 407, 100, 183, 100, 482, 200, 487]);
    await waitUntil(() => /ACK sip:/.test(callee!.messages()), 5000, 'the ACK of the callee\'s 487');
    expect((await callee.stop()).errors).toBe('');
  });

  it('originate user/1000 &park() from the console rings the registered SIPp UAS and replies +OK <uuid> when it answers', async () => {
    callee = await startCallee(sw, 'uas-answer-200-expect-bye.xml');
    const out = await cli(sw, 'originate user/1000 &park()');
    const m = /^\+OK ([0-9a-f-]{36})\n$/.exec(out);
    expect(m, out).not.toBeNull();
    const uuid = m![1]!;
    expect(await cli(sw, `uuid_exists ${uuid}`)).toMatch(/^true\n?$/);
    expect(await count(sw, 'channels')).toBe(1);
    expect(await cli(sw, `uuid_kill ${uuid}`)).toBe('+OK\n');
    await waitUntil(() => /BYE sip:/.test(callee!.messages()), 5000, 'the BYE at the callee');
    const side = await callee.stop();
    expect(side.errors).toBe('');
    expect(received(side.messages).filter((l) => !l.startsWith('SIP/2.0')).map((l) => l.split(' ')[0])).toEqual(['INVITE', 'ACK', 'BYE']);
  });
});
