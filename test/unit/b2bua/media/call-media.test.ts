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
  it('re-INVITE in bypass: relayed to the partner as is, its answer returned unchanged', async () => {
    const a = channel('inbound', { bypass_media: 'true' });
    a.remoteSdp = offer(40010, [[0, 'PCMU/8000']]);
    const reoffer = offer(40012, [[0, 'PCMU/8000']]);
    const partnerAnswer = offer(40014, [[0, 'PCMU/8000']]);
    const relayed: Buffer[] = [];
    const answer = await media.reoffer(a, reoffer, async (sdp) => {
      relayed.push(sdp);
      return partnerAnswer;
    });
    expect(relayed).toEqual([reoffer]);
    expect(answer).toEqual(partnerAnswer);
    expect(media.endpoint(a)).toBeUndefined();
    a.hangup();
  });

  it('re-INVITE in proxy: the partner gets our relay address, the phone gets ours back', async () => {
    const a = channel('inbound', { proxy_media: 'true' });
    a.remoteSdp = offer(40020, [[0, 'PCMU/8000']]);
    const b = channel('outbound', {}, a);
    await media.offerFor(b, a);
    b.remoteSdp = offer(40022, [[0, 'PCMU/8000']]);
    media.remoteAnswer(b, b.remoteSdp);
    await media.answerFor(a, b);
    media.join(a, b);
    a.partner = b;
    const epA = media.endpoint(a)!;
    const epB = media.endpoint(b)!;
    let toPartner: Buffer | undefined;
    const answer = await media.reoffer(a, offer(40030, [[0, 'PCMU/8000']]), async (sdp) => {
      toPartner = sdp;
      return offer(40032, [[0, 'PCMU/8000']]);
    });
    expect(describeMedia(parseSdp(toPartner!.toString()))[0]!.port).toBe(epB.port);
    expect(describeMedia(parseSdp(answer!.toString()))[0]!.port).toBe(epA.port);
    expect(media.joined(a, b)).toBe(true);
    a.hangup();
    b.hangup();
  });

  it('re-INVITE in default mode: answered here; sendonly puts the partner on hold music, sendrecv takes it off', async () => {
    const alice = await Phone.open();
    const bob = await Phone.open();
    const a = channel('inbound');
    a.remoteSdp = offer(alice.port, [[0, 'PCMU/8000']]);
    const b = channel('outbound', { hold_music: 'tone_stream://%(1000,0,697)' }, a);
    await media.offerFor(b, a);
    b.remoteSdp = offer(bob.port, [[0, 'PCMU/8000']]);
    media.remoteAnswer(b, b.remoteSdp);
    await media.answerFor(a, b);
    media.join(a, b);
    a.partner = b;
    b.partner = a;
    let relayed = 0;
    const relay = async () => {
      relayed++;
      return undefined;
    };
    const held = await media.reoffer(a, Buffer.from(offer(alice.port, [[0, 'PCMU/8000']]).toString().replace('a=sendrecv', 'a=sendonly')), relay);
    expect(held).not.toBeNull();
    expect(describeMedia(parseSdp(held!.toString()))[0]!.direction).toBe('recvonly');
    expect(media.held(a)).toBe(true);
    expect(media.joined(a, b)).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    expect(bob.received.filter((r) => (r.buf[1]! & 0x7f) === 0).length).toBeGreaterThan(3); // the hold music
    const back = await media.reoffer(a, offer(alice.port, [[0, 'PCMU/8000']]), relay);
    expect(describeMedia(parseSdp(back!.toString()))[0]!.direction).toBe('sendrecv');
    expect(media.held(a)).toBe(false);
    expect(media.joined(a, b)).toBe(true);
    expect(relayed).toBe(0); // the partner never saw either re-INVITE
    a.hangup();
    b.hangup();
    alice.close();
    bob.close();
  });

  it('a re-INVITE offering no codec we have is refused (null → 488) and the call keeps its media', async () => {
    const a = channel('inbound');
    a.remoteSdp = offer(40040, [[0, 'PCMU/8000']]);
    await media.answerLocally(a);
    const ep = media.endpoint(a);
    expect(await media.reoffer(a, offer(40040, [[18, 'G729/8000']]), async () => undefined)).toBeNull();
    expect(media.endpoint(a)).toBe(ep);
    expect(a.remoteSdp).toEqual(offer(40040, [[0, 'PCMU/8000']]));
    expect(await media.answerLocally(a)).toEqual(a.localSdp);
    a.hangup();
  });
  it('late offer: a caller without SDP gets our offer, and the answer in its ACK joins the call', async () => {
    const a = channel('inbound'); // no remoteSdp: the INVITE had no body
    const b = channel('outbound', {}, a);
    await media.offerFor(b, a);
    b.remoteSdp = offer(40050, [[0, 'PCMU/8000']]);
    media.remoteAnswer(b, b.remoteSdp);
    const ours = (await media.answerFor(a, b))!;
    expect(describeMedia(parseSdp(ours.toString()))[0]!.port).toBe(media.endpoint(a)!.port);
    expect(await media.answerFor(a, b)).toEqual(ours); // one offer per leg
    media.join(a, b);
    expect(media.joined(a, b)).toBe(false); // nothing to bridge before the answer
    media.remoteAnswer(a, offer(40052, [[0, 'PCMU/8000']]));
    expect(media.joined(a, b)).toBe(true);
    a.hangup();
    b.hangup();
  });
});
