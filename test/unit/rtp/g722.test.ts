import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { G722Decoder, G722Encoder, G722_OCTETS_PER_20MS, G722_SAMPLES_PER_20MS } from '../../../src/rtp/index.js';
import { db, g722ReferenceInput, rms, sine, toneAmplitude, zeroCrossingFrequency } from './signals.js';

const RATE = 16000;
/** Delay of the transmit + receive QMF pair, in 16 kHz samples. */
const CODEC_DELAY = 22;

function sha256(bytes: ArrayBufferView): string {
  return createHash('sha256').update(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).digest('hex');
}

function roundTrip(x: Int16Array, frame = G722_SAMPLES_PER_20MS): { codes: Uint8Array; y: Int16Array } {
  const enc = new G722Encoder();
  const dec = new G722Decoder();
  const codes = new Uint8Array(x.length / 2);
  const y = new Int16Array(x.length);
  for (let o = 0; o < x.length; o += frame) {
    const n = Math.min(frame, x.length - o);
    enc.encode(x, codes, n, o, o / 2);
  }
  for (let o = 0; o < codes.length; o += frame / 2) {
    const n = Math.min(frame / 2, codes.length - o);
    dec.decode(codes, y, n, o, o * 2);
  }
  return { codes, y };
}

describe('G.722 against an independent implementation', () => {
  // Reference digests from spandsp 0.0.6's g722_encode/g722_decode (64 kbit/s, no options) as
  // packaged in Debian (libspandsp2), the G.722 FreeSWITCH uses, fed the bytes of
  // g722ReferenceInput(): a 1 kHz sine, a chirp, loud noise, silence and a full-scale square.
  // The decoder digest covers the first 0.75 s: past it, on the overloaded noise, spandsp's
  // output wraps around where ours saturates (386 samples, all at ±32767).
  const SPANDSP_ENCODED_SHA256 = '40213be8de49c91801b3eb2ff980f0d9514502c2ab48ab077bbc9984f5b01c3d';
  const SPANDSP_DECODED_FIRST_12000_SHA256 = '77559bced157ac4132c46295cb6cd6f0edc85562a8360145b0bbee1dd62742d6';

  it('the encoder output is bit-exact with spandsp', () => {
    const { codes } = roundTrip(g722ReferenceInput());
    expect(codes.length).toBe(16000);
    expect(sha256(codes)).toBe(SPANDSP_ENCODED_SHA256);
  });

  it('the decoder output is bit-exact with spandsp while the signal is not overloaded', () => {
    const { y } = roundTrip(g722ReferenceInput());
    expect(sha256(y.subarray(0, 12000))).toBe(SPANDSP_DECODED_FIRST_12000_SHA256);
  });

  it('overload saturates at full scale instead of wrapping to the other sign', () => {
    // a full-scale square wave (16 samples high, 16 low): ringing overshoots past 16 bits
    const x = new Int16Array(8000).map((_, i) => ((i >> 4) & 1 ? 32767 : -32768));
    const { y } = roundTrip(x);
    let wrong = 0;
    let saturated = 0;
    for (let i = 1000; i < 8000 - CODEC_DELAY; i++) {
      const phase = i & 15;
      if (phase < 4 || phase > 11) continue; // away from the edges
      const sign = x[i]! > 0 ? 1 : -1;
      const v = y[i + CODEC_DELAY]!;
      if (v * sign <= 0) wrong++;
      if (v === 32767 || v === -32768) saturated++;
    }
    expect(saturated).toBeGreaterThan(0);
    expect(wrong).toBe(0);
  });
});

describe('G.722 round trip', () => {
  it('a 1 kHz sine at -6 dBFS keeps its frequency and level (within 0.1 dB)', () => {
    const x = sine(1000, RATE, RATE, 16384);
    const { y } = roundTrip(x);
    expect(zeroCrossingFrequency(y, RATE, 2000, RATE)).toBeCloseTo(1000, 1);
    const gain = toneAmplitude(y, 1000, RATE, 2000, RATE) / toneAmplitude(x, 1000, RATE, 2000, RATE);
    expect(Math.abs(db(gain))).toBeLessThan(0.1);
  });

  it.each([300, 3000, 5000, 6500])('a %i Hz tone (both sub-bands) keeps its level within 0.5 dB', (f) => {
    const x = sine(f, RATE, RATE, 12000);
    const { y } = roundTrip(x);
    expect(Math.abs(db(toneAmplitude(y, f, RATE, 2000, RATE) / toneAmplitude(x, f, RATE, 2000, RATE)))).toBeLessThan(0.5);
  });

  it(`the output is the input delayed by ${CODEC_DELAY} samples, with about 20 dB SNR or better for a sine`, () => {
    const x = sine(300, RATE, RATE, 16384);
    const { y } = roundTrip(x);
    const err = new Float64Array(RATE - 2000);
    for (let i = 2000; i < RATE - CODEC_DELAY; i++) err[i - 2000] = y[i + CODEC_DELAY]! - x[i]!;
    expect(db(rms(x, 2000) / rms(err, 0, RATE - 2000 - CODEC_DELAY))).toBeGreaterThan(20);
  });

  it('silence stays near silence', () => {
    const { y } = roundTrip(new Int16Array(RATE));
    let peak = 0;
    for (const v of y) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeLessThanOrEqual(8);
  });

  it('a 20 ms frame is 320 samples in, 160 octets out, and back', () => {
    const enc = new G722Encoder();
    const dec = new G722Decoder();
    const octets = new Uint8Array(G722_OCTETS_PER_20MS);
    const out = new Int16Array(G722_SAMPLES_PER_20MS);
    expect(enc.encode(sine(1000, RATE, 320, 8000), octets)).toBe(160);
    expect(dec.decode(octets, out)).toBe(320);
  });
});

describe('G.722 streaming', () => {
  it('frame size does not change the bitstream (an odd sample waits for the next call)', () => {
    const x = g722ReferenceInput().subarray(0, 8000);
    const whole = roundTrip(x, 8000).codes;
    const enc = new G722Encoder();
    const codes = new Uint8Array(4000);
    let out = 0;
    let i = 0;
    for (const chunk of [1, 7, 160, 333, 2, 1000, 81]) {
      const n = Math.min(chunk, x.length - i);
      out += enc.encode(x, codes, n, i, out);
      i += n;
    }
    out += enc.encode(x, codes, x.length - i, i, out);
    expect(out).toBe(4000);
    expect(Buffer.from(codes).equals(Buffer.from(whole))).toBe(true);
  });

  it('reset() makes an encoder and a decoder start over', () => {
    const x = g722ReferenceInput().subarray(0, 3200);
    const enc = new G722Encoder();
    const dec = new G722Decoder();
    const a = new Uint8Array(1600);
    const b = new Uint8Array(1600);
    enc.encode(x, a);
    enc.reset();
    enc.encode(x, b);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const ya = new Int16Array(3200);
    const yb = new Int16Array(3200);
    dec.decode(a, ya);
    dec.reset();
    dec.decode(a, yb);
    expect(ya).toEqual(yb);
  });

  it('decodes any byte stream without throwing and within 16 bits', () => {
    const dec = new G722Decoder();
    const junk = new Uint8Array(4096);
    let seed = 7;
    for (let i = 0; i < junk.length; i++) junk[i] = (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 24;
    const y = new Int16Array(8192);
    expect(dec.decode(junk, y)).toBe(8192);
  });
});
