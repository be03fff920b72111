import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MediaEngine,
  MediaSourceError,
  PortsExhaustedError,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  encodeWav,
  musicOnHoldPath,
  parseWavHeader,
  readWavFile,
  rtpSequence,
  rtpTimestamp,
  type MediaEndpoint,
} from '../../../src/rtp/index.js';
import { Phone, makeEngine, payloadOf, sleep, waitFor, type Received } from './phone.js';
import { sine, toneAmplitude, zeroCrossingFrequency } from './signals.js';

let engine: MediaEngine;
let dataDir: string;
let cleanup: () => Promise<void>;
const phones: Phone[] = [];

beforeEach(async () => {
  ({ engine, dataDir, cleanup } = await makeEngine());
});
afterEach(async () => {
  await cleanup();
  await Promise.all(phones.splice(0).map((p) => p.close()));
});

async function leg(codec: { name: string; payloadType: number; clockRate: number } = { name: 'PCMU', payloadType: 0, clockRate: 8000 }): Promise<{ ep: MediaEndpoint; phone: Phone }> {
  const phone = await Phone.open();
  phones.push(phone);
  const ep = await engine.allocate();
  ep.setRemote({ address: '127.0.0.1', port: phone.port });
  ep.setCodec(codec);
  return { ep, phone };
}

function ulawPcm(got: Received[]): Int16Array {
  const all = Buffer.concat(got.map((r) => payloadOf(r.buf)));
  const out = new Int16Array(all.length);
  decodeUlaw(all, out);
  return out;
}

/** A G.711 WAV file (format 7 µ-law or 6 A-law), 8 kHz mono. */
function g711Wav(format: 6 | 7, samples: Int16Array): Buffer {
  const data = Buffer.alloc(samples.length);
  if (format === 7) encodeUlaw(samples, data);
  else encodeAlaw(samples, data);
  const h = Buffer.alloc(46);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(38 + data.length, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(18, 16);
  h.writeUInt16LE(format, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(8000, 28);
  h.writeUInt16LE(1, 32);
  h.writeUInt16LE(8, 34);
  h.writeUInt16LE(0, 36);
  h.write('data', 38, 'latin1');
  h.writeUInt32LE(data.length, 42);
  return Buffer.concat([h, data]);
}

describe('players', () => {
  it('a tone plays at 50 packets per second, 20 ms frames, timestamps stepping by 160', async () => {
    const { ep, phone } = await leg();
    const pb = ep.media.playTone('%(1000,0,440)');
    expect(await pb.finished).toBe('done');
    await sleep(30); // the last packet is still crossing loopback when finished resolves
    const got = phone.rtp();
    expect(got).toHaveLength(50);
    expect(pb.packetsSent).toBe(50);
    const spanMs = got.at(-1)!.atMs - got[0]!.atMs;
    // paced, not burst: 49 intervals of 20 ms (the clock catches up late frames, so a busy machine widens this a little)
    expect(spanMs).toBeGreaterThan(49 * 20 - 120);
    expect(spanMs).toBeLessThan(49 * 20 + 200);
    const gaps = got.slice(1).map((r, i) => r.atMs - got[i]!.atMs).sort((x, y) => x - y);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThan(12); // median gap ≈ 20 ms
    for (let i = 1; i < got.length; i++) {
      expect((rtpSequence(got[i]!.buf) - rtpSequence(got[i - 1]!.buf) + 65536) % 65536).toBe(1);
      expect((rtpTimestamp(got[i]!.buf) - rtpTimestamp(got[i - 1]!.buf)) >>> 0).toBe(160);
    }
    const pcm = ulawPcm(got);
    expect(zeroCrossingFrequency(pcm, 8000)).toBeCloseTo(440, -1);
  });

  it('one shared clock paces many legs (not a timer per leg)', async () => {
    const legs = await Promise.all([1, 2, 3, 4].map(() => leg()));
    const pbs = legs.map((l) => l.ep.media.playSilence(200));
    expect(engine.stats().clock.tickers).toBe(4);
    await Promise.all(pbs.map((p) => p.finished));
    await sleep(30);
    for (const l of legs) expect(l.phone.rtp()).toHaveLength(10);
    expect(engine.stats().clock.tickers).toBe(0);
  });

  it('silence_stream://ms plays that long of digital silence', async () => {
    const { ep, phone } = await leg();
    const pb = await ep.media.play('silence_stream://100');
    expect(await pb.finished).toBe('done');
    await sleep(30); // the last packet is still crossing loopback when finished resolves
    expect(phone.rtp()).toHaveLength(5);
    for (const r of phone.rtp()) expect([...payloadOf(r.buf)].every((b) => b === 0xff)).toBe(true);
  });

  it('tone_stream:// with loops repeats the script', async () => {
    const { ep, phone } = await leg();
    const pb = await ep.media.play('tone_stream://%(40,40,700);loops=3');
    expect(await pb.finished).toBe('done');
    await sleep(30); // the last packet is still crossing loopback when finished resolves
    expect(phone.rtp()).toHaveLength(12);
  });

  it('tone_stream://path= reads the script from a file; a missing one is not-found', async () => {
    const { ep, phone } = await leg();
    const path = join(dataDir, 'ring.tgml');
    await writeFile(path, '%(60,0,480)\n');
    const pb = await ep.media.play(`tone_stream://path=${path}`);
    expect(await pb.finished).toBe('done');
    await sleep(30); // the last packet is still crossing loopback when finished resolves
    expect(phone.rtp()).toHaveLength(3);
    await expect(ep.media.play(`tone_stream://path=${join(dataDir, 'nope.tgml')}`)).rejects.toMatchObject({ reason: 'not-found' });
  });

  it.each([
    ['16-bit PCM at 16 kHz', 'pcm16k.wav', () => encodeWav(sine(700, 16000, 8000, 10000), 16000, 1)],
    ['16-bit PCM at 8 kHz', 'pcm8k.wav', () => encodeWav(sine(700, 8000, 4000, 10000), 8000, 1)],
    ['µ-law at 8 kHz', 'ulaw.wav', () => g711Wav(7, sine(700, 8000, 4000, 10000))],
    ['A-law at 8 kHz', 'alaw.wav', () => g711Wav(6, sine(700, 8000, 4000, 10000))],
  ])('plays a WAV file, %s, on a PCMU leg: 0.5 s of a 700 Hz tone', async (_name, file, make) => {
    const { ep, phone } = await leg();
    const path = join(dataDir, file);
    await writeFile(path, make());
    const pb = await ep.media.playFile(path);
    expect(await pb.finished).toBe('done');
    await sleep(30); // the last packet is still crossing loopback when finished resolves
    const got = phone.rtp();
    expect(got).toHaveLength(25);
    const pcm = ulawPcm(got);
    expect(zeroCrossingFrequency(pcm, 8000, 400, pcm.length - 400)).toBeCloseTo(700, -1);
    expect(toneAmplitude(pcm, 700, 8000, 400, pcm.length - 400)).toBeGreaterThan(8000);
  });

  it('plays a file on a wideband (L16/16000) leg at 16 kHz', async () => {
    const { ep, phone } = await leg({ name: 'L16', payloadType: 96, clockRate: 16000 });
    const path = join(dataDir, 'w.wav');
    await writeFile(path, encodeWav(sine(3000, 8000, 1600, 10000), 8000, 1));
    const pb = await ep.media.playFile(path);
    expect(await pb.finished).toBe('done');
    await sleep(30); // the last packet is still crossing loopback when finished resolves
    const got = phone.rtp();
    expect(got).toHaveLength(10);
    for (const r of got) expect(payloadOf(r.buf).length).toBe(640);
    expect((rtpTimestamp(got[1]!.buf) - rtpTimestamp(got[0]!.buf)) >>> 0).toBe(320);
  });

  it('loops a file, and stop() ends it early with `stopped`', async () => {
    const { ep, phone } = await leg();
    const path = join(dataDir, 'short.wav');
    await writeFile(path, encodeWav(sine(500, 8000, 800, 8000), 8000, 1)); // 100 ms
    const pb = await ep.media.playFile(path, { loops: 3 });
    expect(await pb.finished).toBe('done');
    await sleep(30); // the last packet is still crossing loopback when finished resolves
    expect(phone.rtp()).toHaveLength(15);
    const forever = await ep.media.playFile(path, { loops: -1 });
    await sleep(300);
    forever.stop();
    expect(await forever.finished).toBe('stopped');
    expect(forever.packetsSent).toBeGreaterThan(10);
  });

  it('a missing file is `not-found`, a broken one `bad-format`, and nothing is played', async () => {
    const { ep, phone } = await leg();
    const missing = await ep.media.playFile(join(dataDir, 'missing.wav')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MediaSourceError);
    expect((missing as MediaSourceError).reason).toBe('not-found');
    const bad = join(dataDir, 'bad.wav');
    await writeFile(bad, Buffer.from('RIFF\x10\x00\x00\x00WAVEjunkjunkjunk', 'latin1'));
    await expect(ep.media.playFile(bad)).rejects.toMatchObject({ reason: 'bad-format', code: 'ERR_MEDIA_SOURCE' });
    await expect(ep.media.play(dataDir)).rejects.toMatchObject({ reason: 'not-found' });
    await sleep(40);
    expect(phone.received).toHaveLength(0);
  });

  it('a new playback replaces the current one, which ends `replaced`', async () => {
    const { ep } = await leg();
    const first = ep.media.playSilence(-1);
    const second = ep.media.playTone('%(100,0,600)');
    expect(await first.finished).toBe('replaced');
    expect(await second.finished).toBe('done');
  });

  it('local_stream://moh generates the music on hold into the data directory once and loops it', async () => {
    const { ep, phone } = await leg();
    const path = musicOnHoldPath(dataDir, 8000);
    await expect(stat(path)).rejects.toThrow();
    const pb = await ep.media.play('local_stream://moh');
    const info = parseWavHeader(await readFile(path));
    expect(info).toMatchObject({ sampleRate: 8000, channels: 1, encoding: 'pcm16' });
    await waitFor(() => phone.rtp().length >= 10);
    pb.stop();
    expect(await pb.finished).toBe('stopped');
    const pcm = ulawPcm(phone.rtp());
    let energy = 0;
    for (const v of pcm.subarray(400)) energy += Math.abs(v);
    expect(energy).toBeGreaterThan(0); // music, not silence
    const mtime = (await stat(path)).mtimeMs;
    const again = await ep.media.playMoh();
    again.stop();
    expect((await stat(path)).mtimeMs).toBe(mtime);
  });

  it('closing the endpoint ends its playback `closed`, leaves the clock and frees the ports', async () => {
    const { ep } = await leg();
    const pb = ep.media.playSilence(-1);
    expect(engine.stats().clock.tickers).toBe(1);
    await ep.close();
    expect(await pb.finished).toBe('closed');
    expect(engine.stats().clock.tickers).toBe(0);
    expect(engine.stats().portsInUse).toBe(0);
    expect(() => ep.media.playSilence(10)).toThrow(/closed/);
  });

  it('media before setCodec() is an InvalidStateError', async () => {
    const ep = await engine.allocate();
    expect(() => ep.media).toThrow(/setCodec/);
    expect(() => ep.setCodec({ name: 'G729', payloadType: 18, clockRate: 8000 })).toThrow(/cannot terminate G729/);
  });

  it('a player works on a proxied leg and suppresses the relayed packets while it plays', async () => {
    const A = await leg();
    const B = await leg();
    engine.proxy(A.ep, B.ep);
    const pb = B.ep.media.playTone('%(100,0,440)');
    A.phone.sendRtp(A.ep.port, { payload: Buffer.alloc(160, 0x42) });
    await pb.finished;
    expect(B.ep.stats().dropped.suppressed).toBe(1);
    A.phone.sendRtp(A.ep.port, { payload: Buffer.alloc(160, 0x43) });
    await waitFor(() => B.phone.rtp().some((r) => r.buf[12] === 0x43));
  });
});

describe('stereo recording', () => {
  it('left carries what A says, right what B says, aligned in time', async () => {
    const A = await leg({ name: 'PCMU', payloadType: 0, clockRate: 8000 });
    const B = await leg({ name: 'PCMA', payloadType: 8, clockRate: 8000 });
    engine.bridge(A.ep, B.ep);
    const path = join(dataDir, 'rec.wav');
    const rec = await engine.recordStereo(path, A.ep, B.ep);
    const sa = sine(700, 8000, 8000, 10000);
    const sb = sine(1300, 8000, 8000, 10000);
    for (let i = 0; i < 50; i++) {
      const fa = Buffer.alloc(160);
      encodeUlaw(sa.subarray(i * 160, i * 160 + 160), fa);
      const fb = Buffer.alloc(160);
      encodeAlaw(sb.subarray(i * 160, i * 160 + 160), fb);
      A.phone.sendRtp(A.ep.port, { payload: fa });
      B.phone.sendRtp(B.ep.port, { pt: 8, payload: fb });
      await sleep(20);
    }
    await sleep(60);
    await rec.stop();
    await rec.stop(); // idempotent
    const wav = await readFile(path);
    const info = parseWavHeader(wav);
    expect(info).toMatchObject({ channels: 2, sampleRate: 8000, encoding: 'pcm16' });
    expect(info.frames).toBeGreaterThan(6000);
    const frames = info.frames;
    const left = new Int16Array(frames);
    const right = new Int16Array(frames);
    for (let i = 0; i < frames; i++) {
      left[i] = wav.readInt16LE(info.dataOffset + 4 * i);
      right[i] = wav.readInt16LE(info.dataOffset + 4 * i + 2);
    }
    const from = 1600;
    const to = frames - 800;
    expect(toneAmplitude(left, 700, 8000, from, to)).toBeGreaterThan(5000);
    expect(toneAmplitude(left, 1300, 8000, from, to)).toBeLessThan(300);
    expect(toneAmplitude(right, 1300, 8000, from, to)).toBeGreaterThan(5000);
    expect(toneAmplitude(right, 700, 8000, from, to)).toBeLessThan(300);
    // the bridge still carried the audio while recording
    expect(B.phone.rtp().length).toBeGreaterThan(40);
    expect(A.phone.rtp().length).toBeGreaterThan(40);
  });

  it('without a second leg, the right channel is what the first leg hears (a playback)', async () => {
    const A = await leg();
    const path = join(dataDir, 'rec1.wav');
    const rec = await engine.recordStereo(path, A.ep);
    const pb = A.ep.media.playTone('%(600,0,1000)');
    await pb.finished;
    await sleep(60);
    await rec.stop();
    const { samples, info } = await readWavFile(path); // mono mix of both channels
    expect(info.channels).toBe(2);
    expect(toneAmplitude(samples, 1000, 8000, 800, samples.length - 800)).toBeGreaterThan(1000);
  });

  it('stops on its own when an endpoint closes, and at maxSec', async () => {
    const A = await leg();
    const B = await leg();
    engine.bridge(A.ep, B.ep);
    const rec = await engine.recordStereo(join(dataDir, 'r2.wav'), A.ep, B.ep);
    await sleep(100);
    await A.ep.close();
    await rec.finished;
    expect(rec.stopped).toBe(true);
    const rec2 = await engine.recordStereo(join(dataDir, 'r3.wav'), B.ep, undefined, { maxSec: 0.2 });
    await rec2.finished;
    expect(rec2.durationMs).toBe(200);
    expect(engine.stats().clock.tickers).toBe(0);
  });

  it('a recording to a folder that does not exist fails up front', async () => {
    const A = await leg();
    await expect(engine.recordStereo(join(dataDir, 'no', 'such', 'dir.wav'), A.ep)).rejects.toThrow();
    expect(engine.stats().clock.tickers).toBe(0);
  });
});

describe('exhaustion through the engine', () => {
  it('allocate() fails with PortsExhaustedError when the range is used up, and works again after a hangup', async () => {
    const { engine: small, cleanup: done } = await makeEngine({ pairs: 2 });
    try {
      const a = await small.allocate();
      await small.allocate();
      await expect(small.allocate()).rejects.toMatchObject({ code: 'ERR_RTP_PORTS_EXHAUSTED' });
      await expect(small.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
      await a.close();
      await expect(small.allocate()).resolves.toBeDefined();
    } finally {
      await done();
    }
  });
});

