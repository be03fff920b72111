// CallMedia with the real media engine and real UDP "phones": the SDP each mode writes, the
// codecs negotiated per leg, and audio crossing a default-mode bridge with transcoding.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallCore, CallMedia, type Channel, type ChannelDriver } from '../../../../src/b2bua/index.js';
import { EventBus, silentLogger } from '../../../../src/common/index.js';
import { MediaEngine, describeMedia, parseSdp } from '../../../../src/rtp/index.js';
import { Phone } from '../../rtp/phone.js';

const dir = mkdtempSync(join(tmpdir(), 'call-media-'));
let engine: MediaEngine;
let media: CallMedia;
let core: CallCore;

const driver: ChannelDriver = { technology: 'test', ringReady() {}, preAnswer() {}, answer() {}, hangup() {} };

function offer(port: number, codecs: Array<[number, string]>, extra = ''): Buffer {
  const lines = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP ${codecs.map((c) => c[0]).join(' ')} 101`];
  for (const [pt, name] of codecs) lines.push(`a=rtpmap:${pt} ${name}`);
  lines.push('a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv');
  return Buffer.from(`${lines.join('\r\n')}\r\n${extra}`);
}

function channel(direction: 'inbound' | 'outbound', vars: Record<string, string> = {}, originator?: Channel): Channel {
  const ch = core.createChannel({ direction, name: `test/${direction}`, driver, variables: Object.entries(vars) });
  ch.originator = originator;
  return ch;
}

beforeAll(() => {
  engine = new MediaEngine({ rtpIp: '127.0.0.1', portStart: 41000 + Math.floor(Math.random() * 4000) * 2, portEnd: 49998, dataDir: dir, logger: silentLogger });
  core = new CallCore({ bus: new EventBus(), logger: silentLogger });
  media = new CallMedia({
    engine,
    logger: silentLogger,
    prefs: () => ({ inbound: 'PCMU,PCMA', outbound: 'PCMA,PCMU' }),
    dtmf: () => ({ mode: 'rfc2833', pt: 101 }),
    timeouts: () => ({ timeoutSec: 0, holdTimeoutSec: 0 }),
  });
  core.media = media;
});

afterAll(async () => {
  core.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('CallMedia', () => {
  it('answers an offer locally with our address, one codec and telephone-event', async () => {
    const a = channel('inbound');
    a.remoteSdp = offer(40000, [[8, 'PCMA/8000'], [0, 'PCMU/8000']]);
    const sdp = parseSdp((await media.answerLocally(a)).toString());
    const m = describeMedia(sdp)[0]!;
    expect(m.address).toBe('127.0.0.1');
    expect(m.port).toBe(media.endpoint(a)!.port);
    expect(m.codecs.map((c) => c.name)).toEqual(['PCMA']); // generous: the offerer's order
    expect(m.telephoneEvents.map((t) => t.payloadType)).toEqual([101]);
    expect(a.getVariable('read_codec')).toBe('PCMA');
    a.hangup();
  });

  it('refuses an offer with no codec in common (488 INCOMPATIBLE_DESTINATION)', async () => {
    const a = channel('inbound');
    a.remoteSdp = offer(40000, [[18, 'G729/8000']]);
    await expect(media.answerLocally(a)).rejects.toMatchObject({ hangupCause: 'INCOMPATIBLE_DESTINATION' });
    a.hangup();
  });

  it('offers per mode: the caller\'s SDP in bypass, rewritten in proxy, ours in default', async () => {
    const aOffer = offer(40002, [[0, 'PCMU/8000']], 'a=x-unknown:keep-me\r\n');
    for (const mode of ['bypass', 'proxy', 'default'] as const) {
      const vars: Record<string, string> = mode === 'bypass' ? { bypass_media: 'true' } : mode === 'proxy' ? { proxy_media: 'true' } : {};
      const a = channel('inbound', vars);
      a.remoteSdp = aOffer;
      const b = channel('outbound', {}, a);
      const sdp = (await media.offerFor(b, a))!;
      const m = describeMedia(parseSdp(sdp.toString()))[0]!;
      if (mode === 'bypass') expect(sdp.equals(aOffer)).toBe(true);
      if (mode === 'proxy') {
        expect(m.port).toBe(media.endpoint(b)!.port);
        expect(sdp.toString()).toContain('a=x-unknown:keep-me');
      }
      if (mode === 'default') expect(m.codecs.map((c) => c.name)).toEqual(['PCMA', 'PCMU']);
      a.hangup();
      b.hangup();
    }
  });

  it('bridges two phones in default mode, transcoding PCMU to PCMA', async () => {
    const alice = await Phone.open();
    const bob = await Phone.open();
    const a = channel('inbound');
    a.remoteSdp = offer(alice.port, [[0, 'PCMU/8000']]);
    const b = channel('outbound', {}, a);
    const bOffer = (await media.offerFor(b, a))!;
    expect(describeMedia(parseSdp(bOffer.toString()))[0]!.codecs[0]!.name).toBe('PCMA');
    b.remoteSdp = offer(bob.port, [[8, 'PCMA/8000']]);
    media.remoteAnswer(b, b.remoteSdp);
    const aAnswer = parseSdp((await media.answerFor(a, b))!.toString());
    expect(describeMedia(aAnswer)[0]!.codecs[0]!.name).toBe('PCMU');
    media.join(a, b);
    const epA = media.endpoint(a)!;
    const epB = media.endpoint(b)!;
    for (let i = 0; i < 10; i++) {
      alice.sendRtp(epA.port, { pt: 0, payload: new Uint8Array(160).fill(0x7f) });
      bob.sendRtp(epB.port, { pt: 8, payload: new Uint8Array(160).fill(0x55) });
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 100));
    const toBob = bob.received.filter((r) => (r.buf[1]! & 0x7f) === 8);
    const toAlice = alice.received.filter((r) => (r.buf[1]! & 0x7f) === 0);
    expect(toBob.length).toBeGreaterThan(5);
    expect(toAlice.length).toBeGreaterThan(5);
    a.hangup();
    b.hangup();
    await new Promise((r) => setTimeout(r, 50));
    expect(media.endpoint(a)).toBeUndefined();
    alice.close();
    bob.close();
  });
});
