import { describe, expect, it } from 'vitest';
import { ResampleError, Resampler } from '../../../src/rtp/index.js';
import { db, sine, toneAmplitude, zeroCrossingFrequency } from './signals.js';

function run(from: number, to: number, x: Int16Array, frame = x.length): Int16Array {
  const r = new Resampler(from, to);
  const out = new Int16Array(r.maxOutput(x.length) + 16);
  let n = 0;
  const scratch = new Int16Array(r.maxOutput(frame));
  for (let o = 0; o < x.length; o += frame) {
    const k = r.process(x, scratch, Math.min(frame, x.length - o), o);
    out.set(scratch.subarray(0, k), n);
    n += k;
  }
  return out.subarray(0, n);
}

describe('Resampler', () => {
  it.each([
    [8000, 16000],
    [16000, 8000],
    [48000, 8000],
    [48000, 16000],
    [8000, 48000],
    [44100, 8000],
    [16000, 48000],
  ])('%i Hz → %i Hz keeps a 1 kHz tone at its frequency and level', (from, to) => {
    const x = sine(1000, from, from, 12000); // one second
    const y = run(from, to, x);
    expect(Math.abs(y.length - to)).toBeLessThanOrEqual(1);
    const skip = Math.round(to / 20); // past the filter's start-up
    expect(zeroCrossingFrequency(y, to, skip, y.length - skip)).toBeCloseTo(1000, 0);
    const gain = toneAmplitude(y, 1000, to, skip, y.length - skip) / 12000;
    expect(Math.abs(db(gain))).toBeLessThan(0.2);
  });

  it.each([
    [16000, 8000, 5000],
    [48000, 8000, 6000],
    [48000, 16000, 12000],
  ])('%i Hz → %i Hz removes a %i Hz tone above the new Nyquist frequency (≥ 40 dB)', (from, to, f) => {
    const x = sine(f, from, from, 12000);
    const y = run(from, to, x);
    let peak = 0;
    for (let i = 200; i < y.length; i++) peak = Math.max(peak, Math.abs(y[i]!));
    expect(db(peak / 12000)).toBeLessThan(-40);
  });

  it('20 ms frames give the same samples as one call (history carries over)', () => {
    const x = sine(700, 8000, 8000, 9000);
    const whole = run(8000, 16000, x);
    const framed = run(8000, 16000, x, 160);
    expect(framed).toEqual(whole);
    const down = run(48000, 16000, sine(700, 48000, 48000, 9000), 960);
    expect(down.length).toBe(16000);
  });

  it('8 kHz → 16 kHz writes exactly 320 samples per 160-sample frame', () => {
    const r = new Resampler(8000, 16000);
    const dst = new Int16Array(r.maxOutput(160));
    for (let i = 0; i < 5; i++) expect(r.process(new Int16Array(160), dst)).toBe(320);
  });

  it('equal rates copy the input', () => {
    const r = new Resampler(8000, 8000);
    const dst = new Int16Array(4);
    expect(r.process(Int16Array.from([1, 2, 3, 4]), dst)).toBe(4);
    expect([...dst]).toEqual([1, 2, 3, 4]);
  });

  it('reset() forgets the history', () => {
    const r = new Resampler(8000, 16000);
    const a = new Int16Array(r.maxOutput(160));
    const b = new Int16Array(r.maxOutput(160));
    const x = sine(500, 8000, 160, 10000);
    r.process(x, a);
    r.process(x, b);
    r.reset();
    const c = new Int16Array(r.maxOutput(160));
    r.process(x, c);
    expect(c).toEqual(a);
    expect(b).not.toEqual(a);
  });

  it('a larger chunk than before grows the buffer and still works', () => {
    const r = new Resampler(16000, 8000);
    const dst = new Int16Array(r.maxOutput(16000));
    expect(r.process(new Int16Array(320), dst)).toBe(160);
    expect(r.process(new Int16Array(16000), dst)).toBe(8000);
  });

  it.each([
    [0, 8000],
    [8000, -1],
    [8000.5, 16000],
    [1_000_000, 8000],
  ])('refuses %s Hz → %s Hz with a ResampleError', (from, to) => {
    expect(() => new Resampler(from, to)).toThrow(ResampleError);
  });
});
