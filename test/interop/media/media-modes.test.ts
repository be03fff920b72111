// The three media modes seen from the phones (issue 6), with SIPp on both ends: what SDP each
// side receives. Bypass: the caller's and the callee's SDP pass end to end untouched. Proxy:
// the SDP passes (same o= line, same codecs) but its address and port are the switch's relay.
// Default: each side gets the switch's own SDP (o=softswitch), from its RTP port range. The
// modes are chosen by test extensions in a copy of the conf (711000 bypass, 721000 proxy,
// 731000 default), as an admin would with bypass_media / proxy_media before bridge.
import dgram from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { call, confCopy, startCallee, waitIdle, waitUntil, type Callee } from '../calls/helpers.js';
import { TEST_EXTENSIONS } from './test-extensions.js';
import { sdpBodies } from './sdp-trace.js';

const hasSipp = peerAvailable('sipp');
const RTP_START = 31000;
const RTP_END = 31999;


function origin(sdp: string): string {
  return /^o=(.*)$/m.exec(sdp)?.[1] ?? '';
}

function audioPort(sdp: string): number {
  return Number(/^m=audio (\d+)/m.exec(sdp)?.[1]);
}

describe.skipIf(!hasSipp)('media modes: the SDP each phone gets', () => {
  let sw: RunningSwitch;
  let conf: ReturnType<typeof confCopy>;
  let callee: Callee | undefined;
  beforeAll(async () => {
    conf = confCopy({ 'dialplan/default/00_local_extensions.xml': () => TEST_EXTENSIONS });
    sw = await startSwitch({ confDir: conf.dir, vars: { auth_fail_ban_count: '0', rtp_start_port: String(RTP_START), rtp_end_port: String(RTP_END) } });
  });
  afterEach(async () => {
    await callee?.stop();
    callee = undefined;
    await waitIdle(sw);
  });
  afterAll(async () => {
    expect(await sw.stop()).toBe(0);
    conf.remove();
  });

  /** 1001 calls `dest`; 1000 (SIPp) answers; returns the offer/answer each side saw. */
  async function callAndCollect(dest: string, scenario = 'uac-invite-auth-expect-200-send-bye.xml') {
    callee = await startCallee(sw, 'uas-answer-200-expect-bye.xml');
    const r = await call(sw, scenario, dest, ['-d', '300']);
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    await waitIdle(sw);
    const side = await callee.stop();
    callee = undefined;
    const callerSdp = sdpBodies(r.messages);
    const calleeSdp = sdpBodies(side.messages);
    const callerOffer = callerSdp.filter((b) => b.direction === 'sent' && (b.start.startsWith('INVITE') || b.start.startsWith('ACK'))).at(-1)!;
    const callerGot = callerSdp.filter((b) => b.direction === 'received' && b.start.startsWith('SIP/2.0 200')).at(-1)!;
    const calleeGot = calleeSdp.find((b) => b.direction === 'received' && b.start.startsWith('INVITE'))!;
    const calleeAnswer = calleeSdp.find((b) => b.direction === 'sent' && b.start.startsWith('SIP/2.0 200'))!;
    for (const [name, b] of Object.entries({ callerOffer, callerGot, calleeGot, calleeAnswer })) expect(b, `${name} in\n${r.messages}\n${side.messages}`).toBeDefined();
    return { callerOffer: callerOffer.sdp, callerGot: callerGot.sdp, calleeGot: calleeGot.sdp, calleeAnswer: calleeAnswer.sdp };
  }

  it('bypass_media: each phone gets the other one\'s SDP exactly as it was sent', async () => {
    const s = await callAndCollect('711000');
    expect(s.calleeGot).toBe(s.callerOffer);
    expect(s.callerGot).toBe(s.calleeAnswer);
  });

  it('proxy_media: the SDP passes as sent, pointed at the switch\'s relay ports', async () => {
    const s = await callAndCollect('721000');
    expect(origin(s.calleeGot)).toBe(origin(s.callerOffer));
    expect(origin(s.callerGot)).toBe(origin(s.calleeAnswer));
    for (const sdp of [s.calleeGot, s.callerGot]) {
      expect(audioPort(sdp)).toBeGreaterThanOrEqual(RTP_START);
      expect(audioPort(sdp)).toBeLessThanOrEqual(RTP_END);
      expect(sdp).toMatch(/^c=IN IP4 127\.0\.0\.1$/m);
    }
    expect(audioPort(s.calleeGot)).not.toBe(audioPort(s.callerOffer));
    expect(audioPort(s.callerGot)).not.toBe(audioPort(s.calleeAnswer));
    // The rest of the description is the phone's own: same codec lines.
    expect(s.calleeGot.split('\n').filter((l) => l.startsWith('a=rtpmap'))).toEqual(s.callerOffer.split('\n').filter((l) => l.startsWith('a=rtpmap')));
  });

  it('default: each phone gets the switch\'s own SDP, from its RTP port range', async () => {
    const s = await callAndCollect('731000');
    for (const sdp of [s.calleeGot, s.callerGot]) {
      expect(origin(sdp)).toMatch(/^softswitch /);
      expect(audioPort(sdp)).toBeGreaterThanOrEqual(RTP_START);
      expect(audioPort(sdp)).toBeLessThanOrEqual(RTP_END);
      expect(sdp).toMatch(/^a=rtpmap:0 PCMU\/8000/m);
    }
    expect(audioPort(s.calleeGot)).not.toBe(audioPort(s.callerGot));
  });

  it('late offer (an INVITE without SDP): the 200 carries the switch\'s offer and the ACK\'s answer completes the call', async () => {
    const s = await callAndCollect('731000', 'uac-invite-auth-late-offer-expect-200-send-bye.xml');
    expect(origin(s.callerGot)).toMatch(/^softswitch /);
    expect(audioPort(s.callerGot)).toBeGreaterThanOrEqual(RTP_START);
    expect(audioPort(s.callerGot)).toBeLessThanOrEqual(RTP_END);
    expect(origin(s.callerOffer)).toMatch(/^caller /); // what 1001 sent back, in its ACK
    expect(origin(s.calleeGot)).toMatch(/^softswitch /);
  });

  it('proxy_media: RTP from the callee reaches the caller byte for byte, through the relay port in its SDP', async () => {
    const callerSock = dgram.createSocket('udp4');
    const calleeSock = dgram.createSocket('udp4');
    await new Promise<void>((r) => callerSock.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => calleeSock.bind(0, '127.0.0.1', r));
    const got: Buffer[] = [];
    callerSock.on('message', (m) => got.push(m));
    try {
      callee = await startCallee(sw, 'uas-answer-200-expect-bye.xml');
      const c = callee;
      const calling = call(sw, 'uac-invite-auth-rtp-port-expect-200-send-bye.xml', '721000', ['-d', '2500', '-key', 'rtp_port', String(callerSock.address().port)]);
      await waitUntil(() => sdpBodies(c.messages()).some((b) => b.direction === 'received' && b.start.startsWith('INVITE')), 5000, 'the INVITE at the callee');
      const relayPort = audioPort(sdpBodies(c.messages()).find((b) => b.direction === 'received' && b.start.startsWith('INVITE'))!.sdp);
      await new Promise((r) => setTimeout(r, 300)); // the call is answered
      // RTP whose header and payload mean nothing to a default-mode leg: a payload type nobody
      // negotiated, a CSRC, a marker, odd payload bytes. Proxy passes it as is.
      const sent: Buffer[] = [];
      for (let i = 0; i < 20; i++) {
        const pkt = Buffer.alloc(12 + 4 + 37);
        pkt[0] = 0x81; // V=2, CC=1
        pkt[1] = 0x80 | 111; // marker, dynamic PT 111 (not in RFC 5761's RTCP range once the marker is set)
        pkt.writeUInt16BE(1000 + i, 2);
        pkt.writeUInt32BE(123456 + i * 160, 4);
        pkt.writeUInt32BE(0xdeadbeef, 8);
        pkt.writeUInt32BE(0x01020304, 12);
        for (let j = 16; j < pkt.length; j++) pkt[j] = (i * 7 + j) & 0xff;
        sent.push(pkt);
        calleeSock.send(pkt, relayPort, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 20));
      }
      await waitUntil(() => got.length >= sent.length, 3000, `the ${sent.length} packets at the caller (got ${got.length})`);
      expect(got).toEqual(sent);
      const r = await calling;
      expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    } finally {
      callerSock.close();
      calleeSock.close();
    }
  });
});
