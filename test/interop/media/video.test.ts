// Video passthrough (issue 6): in proxy mode as in default mode (where the switch terminates
// and may transcode the audio) the first video stream is relayed untouched. SIPp callers and
// callees offering and answering audio + H.264 through 721000 (proxy) and 731000 (default),
// test extensions: each side's SDP puts the video on a relay port of the switch (in default mode
// the SDP is the switch's own, o=softswitch), and video RTP from the callee reaches the caller
// byte for byte.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable, startSwitch, type RunningSwitch } from '../harness.js';
import { call, confCopy, received, startCallee, waitIdle, waitUntil } from '../calls/helpers.js';
import { TEST_EXTENSIONS } from './test-extensions.js';
import { sdpBodies } from './sdp-trace.js';

const hasSipp = peerAvailable('sipp');
const RTP_START = 32000;
const RTP_END = 32999;

describe.skipIf(!hasSipp)('video through the switch', () => {
  let sw: RunningSwitch;
  let conf: ReturnType<typeof confCopy>;
  beforeAll(async () => {
    conf = confCopy({ 'dialplan/default/00_local_extensions.xml': () => TEST_EXTENSIONS });
    sw = await startSwitch({ confDir: conf.dir, vars: { auth_fail_ban_count: '0', rtp_start_port: String(RTP_START), rtp_end_port: String(RTP_END) } });
  });
  afterAll(async () => {
    expect(await sw.stop()).toBe(0);
    conf.remove();
  });

  for (const [mode, dest] of [['proxy', '721000'], ['default', '731000']] as const) {
    it(`${mode} mode: H.264 passes through untouched, on relay ports of the switch`, async () => {
      const socks = await Promise.all([0, 1, 2].map(async () => {
        const sock = dgram.createSocket('udp4');
        await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
        return sock;
      }));
      const [callerAudio, callerVideo, calleeVideo] = socks as [dgram.Socket, dgram.Socket, dgram.Socket];
      const got: Buffer[] = [];
      callerVideo.on('message', (m) => got.push(m));
      const callee = await startCallee(sw, 'uas-answer-200-av-expect-bye.xml', { extra: ['-key', 'video_port', String(calleeVideo.address().port)] });
      try {
        const calling = call(sw, 'uac-invite-auth-av-expect-200-send-bye.xml', dest, [
          '-d', '2500', '-key', 'rtp_port', String(callerAudio.address().port), '-key', 'video_port', String(callerVideo.address().port),
        ]);
        await waitUntil(() => /INVITE sip:1000@/.test(callee.messages()), 5000, 'the INVITE at the callee');
        const offer = sdpBodies(callee.messages()).find((b) => b.direction === 'received' && b.start.startsWith('INVITE'))!.sdp;
        expect(offer).toMatch(mode === 'default' ? /^o=softswitch /m : /^o=caller /m);
        const videoRelay = Number(/^m=video (\d+)/m.exec(offer)?.[1]);
        expect(videoRelay).toBeGreaterThanOrEqual(RTP_START);
        expect(videoRelay).toBeLessThanOrEqual(RTP_END);
        expect(offer).toMatch(/^a=rtpmap:96 H264\/90000$/m);
        await new Promise((r) => setTimeout(r, 400));
        const sent: Buffer[] = [];
        for (let i = 0; i < 10; i++) {
          const pkt = Buffer.alloc(12 + 1000);
          pkt[0] = 0x80;
          pkt[1] = (i === 9 ? 0x80 : 0) | 96;
          pkt.writeUInt16BE(700 + i, 2);
          pkt.writeUInt32BE(180000, 4);
          pkt.writeUInt32BE(0xbeef0002, 8);
          for (let j = 12; j < pkt.length; j++) pkt[j] = (i * 5 + j) & 0xff;
          sent.push(pkt);
          calleeVideo.send(pkt, videoRelay, '127.0.0.1');
          await new Promise((r) => setTimeout(r, 10));
        }
        await waitUntil(() => got.length >= sent.length, 3000, `the ${sent.length} video packets at the caller (got ${got.length})`);
        expect(got).toEqual(sent);
        const r = await calling;
        expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
        const answer = sdpBodies(r.messages).filter((b) => b.direction === 'received' && b.start.startsWith('SIP/2.0 200')).at(-1)!.sdp;
        expect(answer).toMatch(mode === 'default' ? /^o=softswitch /m : /^o=callee /m);
        expect(Number(/^m=video (\d+)/m.exec(answer)?.[1])).toBeGreaterThanOrEqual(RTP_START);
        expect(received(r.messages).some((l) => l.startsWith('SIP/2.0 200'))).toBe(true);
        await waitIdle(sw);
      } finally {
        await callee.stop();
        for (const sock of socks) sock.close();
      }
    });
  }
});
