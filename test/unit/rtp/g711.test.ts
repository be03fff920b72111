import { describe, expect, it } from 'vitest';
import {
  ALAW_SILENCE,
  ALAW_TO_LINEAR,
  ALAW_TO_ULAW,
  ULAW_SILENCE,
  ULAW_TO_ALAW,
  ULAW_TO_LINEAR,
  alawDecodeSample,
  alawEncodeSample,
  alawToUlaw,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  ulawDecodeSample,
  ulawEncodeSample,
  ulawToAlaw,
} from '../../../src/rtp/index.js';
import { db, rms, sine, toneAmplitude, zeroCrossingFrequency } from './signals.js';

describe('G.711 reference values', () => {
  // Code points from ITU-T G.711 tables 1a/2a (decoder outputs on the 16-bit scale)
  it.each([
    ['µ-law 0x00 is the most negative value', 'u', 0x00, -32124],
    ['µ-law 0x80 is the most positive value', 'u', 0x80, 32124],
    ['µ-law 0xFF is zero', 'u', 0xff, 0],
    ['µ-law 0x7F is negative zero', 'u', 0x7f, 0],
    ['µ-law 0xEF is 132 (second segment start)', 'u', 0xef, 132],
    ['A-law 0xD5 is +8', 'a', 0xd5, 8],
    ['A-law 0x55 is -8', 'a', 0x55, -8],
    ['A-law 0xAA is the most positive value', 'a', 0xaa, 32256],
    ['A-law 0x2A is the most negative value', 'a', 0x2a, -32256],
    ['A-law 0x80 is 5504', 'a', 0x80, 5504],
  ] as const)('%s', (_name, law, code, linear) => {
    expect(law === 'u' ? ULAW_TO_LINEAR[code] : ALAW_TO_LINEAR[code]).toBe(linear);
    expect(law === 'u' ? ulawDecodeSample(code) : alawDecodeSample(code)).toBe(linear);
  });

  it('silence encodes to 0xFF (µ-law) and 0xD5 (A-law)', () => {
    expect(linearToUlaw(0)).toBe(ULAW_SILENCE);
    expect(linearToAlaw(0)).toBe(ALAW_SILENCE);
  });

  it('full scale encodes to the extreme codes', () => {
    expect(linearToUlaw(32767)).toBe(0x80);
    expect(linearToUlaw(-32768)).toBe(0x00);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
  });
});

describe('G.711 encode tables', () => {
  it('the µ-law table gives the bit method result for all 65 536 inputs', () => {
    let mismatches = 0;
    for (let s = -32768; s < 32768; s++) if (linearToUlaw(s) !== ulawEncodeSample(s)) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('the A-law table gives the bit method result for all 65 536 inputs', () => {
    let mismatches = 0;
    for (let s = -32768; s < 32768; s++) if (linearToAlaw(s) !== alawEncodeSample(s)) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('µ-law gives x and -x-1 mirror codes (sign bit only differs)', () => {
    for (const x of [0, 1, 100, 1000, 8000, 32000]) expect(linearToUlaw(x) ^ linearToUlaw(-x - 1)).toBe(0x80);
  });

  it('encoding a decoded code gives the code back (except µ-law negative zero)', () => {
    for (let c = 0; c < 256; c++) {
      if (c !== 0x7f) expect(linearToUlaw(ULAW_TO_LINEAR[c]!)).toBe(c);
      expect(linearToAlaw(ALAW_TO_LINEAR[c]!)).toBe(c);
    }
    expect(linearToUlaw(ULAW_TO_LINEAR[0x7f]!)).toBe(0xff);
  });

  it('decoded levels grow monotonically with the input that produced them', () => {
    let prevU = -Infinity;
    let prevA = -Infinity;
    for (let s = -32768; s < 32768; s += 7) {
      const u = ULAW_TO_LINEAR[linearToUlaw(s)]!;
      const a = ALAW_TO_LINEAR[linearToAlaw(s)]!;
      expect(u).toBeGreaterThanOrEqual(prevU);
      expect(a).toBeGreaterThanOrEqual(prevA);
      prevU = u;
      prevA = a;
    }
  });
});

describe('G.711 frame functions', () => {
  it('a 1 kHz tone at -10 dBFS keeps its frequency and level through µ-law and A-law', () => {
    const x = sine(1000, 8000, 8000, 32767 * 10 ** (-10 / 20));
    for (const [enc, dec] of [
      [encodeUlaw, decodeUlaw],
      [encodeAlaw, decodeAlaw],
    ] as const) {
      const codes = new Uint8Array(x.length);
      const y = new Int16Array(x.length);
      expect(enc(x, codes)).toBe(x.length);
      expect(dec(codes, y)).toBe(x.length);
      expect(zeroCrossingFrequency(y, 8000)).toBeCloseTo(1000, 0);
      expect(Math.abs(db(toneAmplitude(y, 1000, 8000) / toneAmplitude(x, 1000, 8000)))).toBeLessThan(0.1);
      const err = new Int16Array(x.length).map((_, i) => y[i]! - x[i]!);
      expect(db(rms(x) / rms(err))).toBeGreaterThan(35); // G.711 SNR is about 38 dB here
    }
  });

  it('encode and decode honour count and offsets', () => {
    const src = Int16Array.from([0, 1000, -1000, 32000, -32000, 5]);
    const codes = new Uint8Array(10).fill(0x11);
    expect(encodeUlaw(src, codes, 3, 2, 4)).toBe(3);
    expect([...codes]).toEqual([0x11, 0x11, 0x11, 0x11, linearToUlaw(-1000), linearToUlaw(32000), linearToUlaw(-32000), 0x11, 0x11, 0x11]);
    const out = new Int16Array(5).fill(7);
    expect(decodeAlaw(Uint8Array.from([0xd5, 0x55]), out, 2, 0, 1)).toBe(2);
    expect([...out]).toEqual([7, 8, -8, 7, 7]);
  });
});

describe('PCMU ⇄ PCMA transcoding', () => {
  it('the direct tables equal decode-then-encode', () => {
    for (let c = 0; c < 256; c++) {
      expect(ULAW_TO_ALAW[c]).toBe(linearToAlaw(ULAW_TO_LINEAR[c]!));
      expect(ALAW_TO_ULAW[c]).toBe(linearToUlaw(ALAW_TO_LINEAR[c]!));
    }
  });

  it('µ-law → A-law → µ-law moves a level by at most one µ-law step', () => {
    for (let c = 0; c < 256; c++) {
      const back = ALAW_TO_ULAW[ULAW_TO_ALAW[c]!]!;
      const before = ULAW_TO_LINEAR[c]!;
      const after = ULAW_TO_LINEAR[back]!;
      // step size of the segment the code lives in
      const step = 8 << ((~c & 0x70) >> 4);
      expect(Math.abs(after - before)).toBeLessThanOrEqual(step);
    }
  });

  it('transcodes an RTP payload in place and leaves the header alone', () => {
    const packet = Uint8Array.from([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0x00, 0x80, 0x7f]);
    ulawToAlaw(packet, 12);
    expect([...packet.subarray(0, 12)]).toEqual([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect([...packet.subarray(12)]).toEqual([ULAW_TO_ALAW[0xff], ULAW_TO_ALAW[0x00], ULAW_TO_ALAW[0x80], ULAW_TO_ALAW[0x7f]]);
    alawToUlaw(packet, 12, 1);
    expect(packet[12]).toBe(ALAW_TO_ULAW[ULAW_TO_ALAW[0xff]!]);
    // silence survives the double conversion as the smallest level (A-law has no zero code)
    expect(Math.abs(ULAW_TO_LINEAR[packet[12]!]!)).toBeLessThanOrEqual(8);
  });
});
