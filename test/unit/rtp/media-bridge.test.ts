import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DtmfReceiver,
  G722Decoder,
  G722Encoder,
  MediaEngine,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  parseTelephoneEvent,
  planDtmfPackets,
  rtpMarker,
  rtpSequence,
  rtpSsrc,
  rtpTimestamp,
  type DtmfDigit,
  type DtmfEvent,
  type MediaEndpoint,
  type MediaEndpointHandler,
} from '../../../src/rtp/index.js';
import { Phone, makeEngine, payloadOf, sleep, waitFor, type Received } from './phone.js';
import { sine, toneAmplitude, zeroCrossingFrequency } from './signals.js';

let engine: MediaEngine;
let cleanup: () => Promise<void>;
const phones: Phone[] = [];

beforeEach(async () => {
  ({ engine, cleanup } = await makeEngine());
});
afterEach(async () => {
  await cleanup();
  await Promise.all(phones.splice(0).map((p) => p.close()));
});

const CODECS = {
  PCMU: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
  PCMA: { name: 'PCMA', payloadType: 8, clockRate: 8000 },
  G722: { name: 'G722', payloadType: 9, clockRate: 8000 },
  L16W: { name: 'L16', payloadType: 96, clockRate: 16000 },
} as const;
type CodecKey = keyof typeof CODECS;

/** An endpoint in default mode with its own phone. */
async function leg(codec: CodecKey, opts: { dtmfPt?: number; dtmfMode?: 'rfc2833' | 'info' | 'none'; handler?: MediaEndpointHandler } = {}): Promise<{ ep: MediaEndpoint; phone: Phone }> {
  const phone = await Phone.open();
  phones.push(phone);
  const ep = await engine.allocate({ handler: opts.handler });
  ep.setRemote({ address: '127.0.0.1', port: phone.port });
  const te = opts.dtmfPt === undefined ? undefined : { payloadType: opts.dtmfPt, clockRate: CODECS[codec].clockRate };
  ep.setCodec(CODECS[codec], { telephoneEvent: te, dtmfMode: opts.dtmfMode });
  return { ep, phone };
}

/** Encoders a phone uses to send a signal, 20 ms per packet. */
function encodeFrames(codec: CodecKey, signal: Int16Array): Buffer[] {
  const out: Buffer[] = [];
  const g722 = new G722Encoder();
  const rate = codec === 'G722' || codec === 'L16W' ? 16000 : 8000;
  const n = rate / 50;
  for (let i = 0; i + n <= signal.length; i += n) {
    const frame = signal.subarray(i, i + n);
    if (codec === 'PCMU') {
      const b = Buffer.alloc(n);
      encodeUlaw(frame, b);
      out.push(b);
    } else if (codec === 'PCMA') {
      const b = Buffer.alloc(n);
      encodeAlaw(frame, b);
      out.push(b);
    } else if (codec === 'G722') {
      const b = Buffer.alloc(n / 2);
      g722.encode(frame, b);
      out.push(b);
    } else {
      const b = Buffer.alloc(2 * n);
      frame.forEach((v, k) => b.writeInt16BE(v, 2 * k));
      out.push(b);
    }
  }
  return out;
}

/** Decode what a phone received, in arrival order. */
function decodeReceived(codec: CodecKey, got: Received[]): Int16Array {
  const parts: Int16Array[] = [];
  const g722 = new G722Decoder();
  for (const r of got) {
    const p = payloadOf(r.buf);
    if (codec === 'PCMU') {
      const s = new Int16Array(p.length);
      decodeUlaw(p, s);
      parts.push(s);
    } else if (codec === 'PCMA') {
      const s = new Int16Array(p.length);
      decodeAlaw(p, s);
      parts.push(s);
    } else if (codec === 'G722') {
      const s = new Int16Array(p.length * 2);
      g722.decode(p, s);
      parts.push(s);
    } else {
      const s = new Int16Array(p.length / 2);
      for (let k = 0; k < s.length; k++) s[k] = p.readInt16BE(2 * k);
      parts.push(s);
    }
  }
  const all = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** Send frames from a phone at a steady pace (no kernel burst drops, realistic timing). */
async function sendPaced(phone: Phone, port: number, pt: number, frames: Buffer[], tsStep = 160, everyMs = 4): Promise<void> {
  for (const f of frames) {
    phone.sendRtp(port, { pt, payload: f, tsStep });
    await sleep(everyMs);
  }
}

const rateOf = (c: CodecKey) => (c === 'G722' || c === 'L16W' ? 16000 : 8000);

describe('default-mode bridge: transcoding', () => {
  const pairs: Array<[CodecKey, CodecKey]> = [
    ['PCMU', 'PCMA'],
    ['PCMA', 'PCMU'],
    ['G722', 'PCMU'],
    ['PCMU', 'G722'],
    ['L16W', 'PCMA'],
    ['PCMA', 'L16W'],
    ['PCMU', 'PCMU'],
  ];

  it.each(pairs)('%s → %s keeps a 1 kHz tone at 1 kHz', async (from, to) => {
    const A = await leg(from);
    const B = await leg(to);
    engine.bridge(A.ep, B.ep);
    const inRate = rateOf(from);
    const frames = encodeFrames(from, sine(1000, inRate, inRate / 2, 12000)); // 25 packets
    const tsStep = CODECS[from].clockRate / 50;
    await sendPaced(A.phone, A.ep.port, CODECS[from].payloadType, frames, tsStep);
    await waitFor(() => B.phone.rtp().length === frames.length, 2000, () => `${frames.length} packets, got ${B.phone.rtp().length}`);
    const got = B.phone.rtp();
    for (const r of got) expect(r.buf[1]! & 0x7f).toBe(CODECS[to].payloadType);
    const outRate = rateOf(to);
    const pcm = decodeReceived(to, got);
    expect(pcm.length).toBe((outRate / 50) * frames.length);
    const skip = outRate / 10; // codec and resampler settling
    expect(zeroCrossingFrequency(pcm, outRate, skip)).toBeCloseTo(1000, -1);
    const at1k = toneAmplitude(pcm, 1000, outRate, skip);
    expect(at1k).toBeGreaterThan(6000);
    expect(toneAmplitude(pcm, 2000, outRate, skip)).toBeLessThan(at1k / 30);
    // the timestamps step by the target clock's 20 ms
    const ts = got.map((r) => rtpTimestamp(r.buf));
    for (let i = 1; i < ts.length; i++) expect((ts[i]! - ts[i - 1]!) >>> 0).toBe(CODECS[to].clockRate / 50);
  });

  it('same codec: the payload passes untouched, the header becomes the leg\'s own stream', async () => {
    const A = await leg('PCMU');
    const B = await leg('PCMU');
    engine.bridge(A.ep, B.ep);
    const sent: Buffer[] = [];
    for (let i = 0; i < 10; i++) sent.push(A.phone.sendRtp(A.ep.port, { payload: Buffer.alloc(160, i + 1) }));
    await waitFor(() => B.phone.rtp().length === 10);
    const got = B.phone.rtp();
    const ssrc = B.ep.media.stats().rewriter.ssrc;
    got.forEach((r, i) => {
      expect(payloadOf(r.buf)).toEqual(payloadOf(sent[i]!));
      expect(rtpSsrc(r.buf)).toBe(ssrc);
      expect(rtpSsrc(r.buf)).not.toBe(A.phone.ssrc);
    });
    expect(got.map((r) => rtpSequence(r.buf) - rtpSequence(got[0]!.buf))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('default-mode bridge: our stream stays continuous across source switches', () => {
  it('bridge → playback → bridge again: one SSRC, consecutive sequence numbers, timestamps that advance with time', async () => {
    const A = await leg('PCMU');
    const B = await leg('PCMA');
    engine.bridge(A.ep, B.ep);
    await sendPaced(A.phone, A.ep.port, 0, encodeFrames('PCMU', sine(500, 8000, 1600, 8000)), 160, 20); // 10 packets
    const tone = B.ep.media.playTone('%(200,0,800)');
    expect(await tone.finished).toBe('done');
    A.phone.ssrc = 0x5eed; // the far phone changed too (a transfer), with a jump in its sequence
    A.phone.seq += 30000;
    await sendPaced(A.phone, A.ep.port, 0, encodeFrames('PCMU', sine(500, 8000, 1600, 8000)), 160, 20);
    await waitFor(() => B.phone.rtp().length === 10 + 10 + 10);
    const got = B.phone.rtp();
    const ssrcs = new Set(got.map((r) => rtpSsrc(r.buf)));
    expect(ssrcs.size).toBe(1);
    for (let i = 1; i < got.length; i++) {
      expect((rtpSequence(got[i]!.buf) - rtpSequence(got[i - 1]!.buf) + 65536) % 65536).toBe(1);
      const dTs = (rtpTimestamp(got[i]!.buf) - rtpTimestamp(got[i - 1]!.buf)) >>> 0;
      expect(dTs).toBeGreaterThanOrEqual(160);
      // never more than the wall-clock gap plus a frame (no wild jumps a jitter buffer would choke on)
      const wallTs = ((got[i]!.atMs - got[i - 1]!.atMs) * 8000) / 1000;
      expect(dTs).toBeLessThanOrEqual(Math.max(160, wallTs) + 400);
    }
    // the marker bit flags each new segment: first packet, tone start, bridge again
    const marked = got.map((r, i) => (rtpMarker(r.buf) ? i : -1)).filter((i) => i >= 0);
    expect(marked).toEqual([0, 10, 20]);
    expect(B.ep.media.stats().rewriter.segments).toBe(3);
  });

  it('while a player owns the leg, the partner\'s audio is dropped and counted, and comes back when it stops', async () => {
    const A = await leg('PCMU');
    const B = await leg('PCMU');
    engine.bridge(A.ep, B.ep);
    const moh = B.ep.media.playSilence(-1);
    A.phone.sendRtp(A.ep.port, { payload: Buffer.alloc(160, 0x11) });
    await waitFor(() => B.ep.stats().dropped.suppressed === 1);
    moh.stop();
    expect(await moh.finished).toBe('stopped');
    A.phone.sendRtp(A.ep.port, { payload: Buffer.alloc(160, 0x22) });
    await waitFor(() => B.phone.rtp().some((r) => r.buf[12] === 0x22));
  });

  it('pause(from) holds one direction; unbridge() leaves both legs to themselves', async () => {
    const A = await leg('PCMU');
    const B = await leg('PCMA');
    const br = engine.bridge(A.ep, B.ep);
    br.pause(A.ep);
    A.phone.sendRtp(A.ep.port);
    B.phone.sendRtp(B.ep.port, { pt: 8 });
    await waitFor(() => A.phone.rtp().length === 1);
    expect(B.ep.stats().dropped.paused).toBe(1);
    br.resume(A.ep);
    br.unbridge();
    A.phone.sendRtp(A.ep.port);
    await waitFor(() => A.ep.media.stats().audioIn === 2);
    await sleep(20);
    expect(B.phone.rtp()).toHaveLength(0);
    expect(engine.stats().joins.bridge).toBe(0);
  });

  it('counts comfort noise and unknown payload types without forwarding them', async () => {
    const A = await leg('PCMU');
    const B = await leg('PCMU');
    engine.bridge(A.ep, B.ep);
    A.phone.sendRtp(A.ep.port, { pt: 13, payload: Buffer.from([40]) });
    A.phone.sendRtp(A.ep.port, { pt: 99 });
    await waitFor(() => A.ep.media.stats().unknownPayloadTypeIn === 1 && A.ep.media.stats().comfortNoiseIn === 1);
    expect(B.phone.received).toHaveLength(0);
  });
});

/** Send one key press as a phone does: planDtmfPackets with the phone's own header fields. */
async function pressKey(phone: Phone, port: number, pt: number, digit: string, durationMs = 100): Promise<number> {
  const packets = planDtmfPackets(digit, { durationMs });
  const ts = phone.ts;
  for (const p of packets) {
    phone.sendRtp(port, { pt, payload: Buffer.from(p.payload), marker: p.marker, ts });
    await sleep(3);
  }
  phone.ts = (phone.ts + Math.round((durationMs * 8000) / 1000)) >>> 0;
  return packets.length;
}

describe('DTMF (RFC 4733)', () => {
  it('a key press is reported once on its leg and relayed to the partner re-stamped with the partner\'s payload type', async () => {
    const digits: DtmfEvent[] = [];
    const A = await leg('PCMU', { dtmfPt: 101, handler: { onDtmf: (_ep, d) => digits.push(d) } });
    const B = await leg('PCMA', { dtmfPt: 96 });
    engine.bridge(A.ep, B.ep);
    const n1 = await pressKey(A.phone, A.ep.port, 101, '5');
    const n2 = await pressKey(A.phone, A.ep.port, 101, '#', 160);
    await waitFor(() => digits.length === 2 && B.phone.rtp().length === n1 + n2);
    expect(digits.map((d) => d.digit)).toEqual(['5', '#']);
    expect(digits[0]).toMatchObject({ source: 'RTP', durationSamples: 800, durationMs: 100, endSeen: true });
    expect(digits[1]).toMatchObject({ durationSamples: 1280 });
    const got = B.phone.rtp();
    for (const r of got) {
      expect(r.buf[1]! & 0x7f).toBe(96);
      expect(rtpSsrc(r.buf)).toBe(B.ep.media.stats().rewriter.ssrc);
    }
    // what B's phone receives decodes to the same two presses
    const seen: DtmfDigit[] = [];
    const rx = new DtmfReceiver((d) => seen.push(d));
    for (const r of got) rx.receive(rtpTimestamp(r.buf), parseTelephoneEvent(payloadOf(r.buf))!, 0);
    expect(seen.map((d) => [d.digit, d.durationTs])).toEqual([
      ['5', 800],
      ['#', 1280],
    ]);
  });

  it('a partner whose DTMF mode is info is asked to send SIP INFO instead of RTP events', async () => {
    const info: Array<{ digit: string; durationMs: number }> = [];
    const A = await leg('PCMU', { dtmfPt: 101 });
    const B = await leg('PCMU', { dtmfPt: 101, dtmfMode: 'info', handler: { onSendInfoDtmf: (_ep, d) => info.push(d) } });
    engine.bridge(A.ep, B.ep);
    await pressKey(A.phone, A.ep.port, 101, '7', 120);
    await waitFor(() => info.length === 1);
    expect(info[0]).toEqual({ digit: '7', durationMs: 120 });
    await sleep(20);
    expect(B.phone.rtp()).toHaveLength(0);
  });

  it('a press whose end packets are lost is reported once, after the receiver timeout', async () => {
    const digits: DtmfEvent[] = [];
    const A = await leg('PCMU', { dtmfPt: 101, handler: { onDtmf: (_ep, d) => digits.push(d) } });
    const packets = planDtmfPackets('9', { durationMs: 100 }).filter((p) => !p.end);
    for (const p of packets) A.phone.sendRtp(A.ep.port, { pt: 101, payload: Buffer.from(p.payload), marker: p.marker, ts: 777 });
    await waitFor(() => digits.length === 1, 2000);
    expect(digits[0]).toMatchObject({ digit: '9', endSeen: false });
    await sleep(100);
    expect(digits).toHaveLength(1);
  });

  it('sendDtmf plays a proper RFC 4733 sequence per digit, paced at 20 ms, then gives the leg back', async () => {
    const A = await leg('PCMU', { dtmfPt: 101 });
    const pb = A.ep.media.sendDtmf('1#', 100);
    expect(await pb.finished).toBe('done');
    const got = A.phone.rtp();
    expect(got.every((r) => (r.buf[1]! & 0x7f) === 101)).toBe(true);
    // per digit: start with M, updates, three end packets, one timestamp
    const byTs = new Map<number, Received[]>();
    for (const r of got) byTs.set(rtpTimestamp(r.buf), [...(byTs.get(rtpTimestamp(r.buf)) ?? []), r]);
    expect(byTs.size).toBe(2);
    const [one, hash] = [...byTs.values()];
    for (const [digitPackets, event] of [
      [one!, 1],
      [hash!, 11],
    ] as const) {
      const evs = digitPackets.map((r) => parseTelephoneEvent(payloadOf(r.buf))!);
      expect(evs.every((e) => e.event === event)).toBe(true);
      expect(rtpMarker(digitPackets[0]!.buf)).toBe(true);
      expect(digitPackets.slice(1).some((r) => rtpMarker(r.buf))).toBe(false);
      expect(evs.filter((e) => e.end)).toHaveLength(3);
      expect(evs.at(-1)!.duration).toBe(800);
      const durations = evs.filter((e) => !e.end).map((e) => e.duration);
      expect(durations).toEqual([...durations].sort((x, y) => x - y));
      const span = digitPackets.at(-1)!.atMs - digitPackets[0]!.atMs;
      expect(span).toBeGreaterThan(60);
      expect(span).toBeLessThan(250);
    }
    for (let i = 1; i < got.length; i++) expect((rtpSequence(got[i]!.buf) - rtpSequence(got[i - 1]!.buf) + 65536) % 65536).toBe(1);
    expect(A.ep.media.outputBusy).toBe(false);
  });

  it('sendDtmf on a leg without telephone-event asks the handler for SIP INFO, digit by digit', async () => {
    const info: string[] = [];
    const A = await leg('PCMU', { handler: { onSendInfoDtmf: (_ep, d) => info.push(`${d.digit}@${d.durationMs}`) } });
    const pb = A.ep.media.sendDtmf('12w3@200');
    expect(await pb.finished).toBe('done');
    expect(info).toEqual(['1@200', '2@200', '3@200']);
  });
});

describe('echo', () => {
  it('sends back what arrives, as the leg\'s own stream, until stopped', async () => {
    const A = await leg('PCMA');
    const echo = A.ep.media.echo();
    const sent: Buffer[] = [];
    for (let i = 0; i < 5; i++) {
      sent.push(A.phone.sendRtp(A.ep.port, { pt: 8, payload: Buffer.alloc(160, 0x30 + i) }));
      await sleep(2);
    }
    await waitFor(() => A.phone.rtp().length === 5);
    const got = A.phone.rtp();
    got.forEach((r, i) => {
      expect(payloadOf(r.buf)).toEqual(payloadOf(sent[i]!));
      expect(rtpSsrc(r.buf)).not.toBe(A.phone.ssrc);
    });
    echo.stop();
    expect(await echo.finished).toBe('stopped');
    A.phone.sendRtp(A.ep.port, { pt: 8 });
    await waitFor(() => A.ep.media.stats().audioIn === 6);
    await sleep(20);
    expect(A.phone.rtp()).toHaveLength(5);
  });
});
