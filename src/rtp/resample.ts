// Sample-rate conversion of 16-bit mono PCM between the rates the media layer meets: 8 kHz
// (G.711), 16 kHz (G.722, L16 wideband), 48 kHz (Opus, baresip's sources) and whatever a WAV
// file brings (44.1 kHz…). One polyphase FIR resampler for any rational ratio L/M: a windowed-
// sinc low-pass designed once per ratio (and shared), history carried between calls so frames
// join without clicks, output written into the caller's buffer with no allocation per call.
// Not here: channel mixing (see wav.ts), drift compensation, fractional delays.

import { SoftswitchError } from '../common/index.js';

export class ResampleError extends SoftswitchError {
  constructor(message: string) {
    super('ERR_RESAMPLE', message);
  }
}

/** Zero crossings of the sinc kept on each side, at the lower of the two rates. */
const HALF_ZERO_CROSSINGS = 8;
/** Pass band edge as a fraction of the lower Nyquist frequency. */
const ROLLOFF = 0.9;
/** Refuse ratios whose prototype filter would be unreasonably large (bounded memory). */
const MAX_FILTER_TAPS = 1 << 17;

interface FilterBank {
  up: number;
  down: number;
  /** taps per phase */
  taps: number;
  /** `up` phases of `taps` coefficients each: phase p, tap j = h[p + j·up] */
  coeffs: Float64Array;
}

const banks = new Map<string, FilterBank>();

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function designBank(up: number, down: number): FilterBank {
  const key = `${up}/${down}`;
  const cached = banks.get(key);
  if (cached) return cached;
  // Cut-off in cycles per sample of the upsampled signal (rate fs_in · up).
  const cutoff = (ROLLOFF * 0.5) / Math.max(up, down);
  const taps = 2 * HALF_ZERO_CROSSINGS * Math.ceil(Math.max(1, down / up));
  const length = taps * up;
  if (length > MAX_FILTER_TAPS) throw new ResampleError(`resampling ratio ${up}/${down} needs a ${length}-tap filter; refusing`);
  const coeffs = new Float64Array(length);
  const centre = (length - 1) / 2;
  for (let n = 0; n < length; n++) {
    const x = n - centre;
    const sinc = x === 0 ? 1 : Math.sin(2 * Math.PI * cutoff * x) / (2 * Math.PI * cutoff * x);
    // Blackman window: sidelobes near -74 dB, plenty for telephony
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (length - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (length - 1));
    // gain `up` makes up for the zeros stuffed between input samples
    const h = 2 * cutoff * up * sinc * w;
    const phase = n % up;
    const j = (n - phase) / up;
    coeffs[phase * taps + j] = h;
  }
  const bank = { up, down, taps, coeffs };
  banks.set(key, bank);
  return bank;
}

/**
 * A resampler for one stream, from `fromRate` to `toRate` (Hz, integers). Equal rates copy.
 * Output sample k sits at input time k · fromRate / toRate, delayed by the filter's half length.
 */
export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  #bank: FilterBank | undefined;
  /** input history (taps - 1 samples) followed by the current call's input */
  #buf: Float64Array;
  /** time of the next output sample, in upsampled-domain ticks from #buf[0] */
  #t = 0;

  constructor(fromRate: number, toRate: number) {
    if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0 || fromRate > 384000 || toRate > 384000) {
      throw new ResampleError(`unsupported resampling ${fromRate} Hz → ${toRate} Hz`);
    }
    this.fromRate = fromRate;
    this.toRate = toRate;
    if (fromRate === toRate) {
      this.#bank = undefined;
      this.#buf = new Float64Array(0);
      return;
    }
    const g = gcd(fromRate, toRate);
    this.#bank = designBank(toRate / g, fromRate / g);
    this.#buf = new Float64Array(this.#bank.taps - 1 + 960);
    this.reset();
  }

  /** Forget the history (start of a new, unrelated stream). */
  reset(): void {
    const bank = this.#bank;
    if (!bank) return;
    this.#buf.fill(0);
    // first output lines up with the first input sample
    this.#t = (bank.taps - 1) * bank.up;
  }

  /** The largest number of samples one call with `inputSamples` samples can write. */
  maxOutput(inputSamples: number): number {
    return Math.ceil((inputSamples * this.toRate) / this.fromRate) + 1;
  }

  /**
   * Convert `count` samples (default: all of `src`) of `src` from `srcOffset`, writing into `dst`
   * from `dstOffset`.
   * Returns the samples written (about count · toRate / fromRate; the fraction carries over).
   * `dst` must have room for {@link maxOutput}(count) samples.
   */
  process(src: Int16Array, dst: Int16Array, count = src.length, srcOffset = 0, dstOffset = 0): number {
    const bank = this.#bank;
    if (!bank) {
      dst.set(src.subarray(srcOffset, srcOffset + count), dstOffset);
      return count;
    }
    const { up, down, taps, coeffs } = bank;
    const keep = taps - 1;
    const needed = keep + count;
    if (this.#buf.length < needed) {
      // grows rarely: only when a caller sends a bigger chunk than ever before
      const grown = new Float64Array(needed + 960);
      grown.set(this.#buf.subarray(0, keep));
      this.#buf = grown;
    }
    const buf = this.#buf;
    for (let i = 0; i < count; i++) buf[keep + i] = src[srcOffset + i]!;
    const len = needed;
    let t = this.#t;
    let out = dstOffset;
    let i = Math.floor(t / up);
    while (i < len) {
      const phase = t - i * up;
      const base = phase * taps;
      let acc = 0;
      for (let j = 0; j < taps; j++) acc += coeffs[base + j]! * buf[i - j]!;
      const y = Math.round(acc);
      dst[out++] = y > 32767 ? 32767 : y < -32768 ? -32768 : y;
      t += down;
      i = Math.floor(t / up);
    }
    // keep the last taps - 1 samples as history for the next call
    const drop = len - keep;
    buf.copyWithin(0, drop, len);
    this.#t = t - drop * up;
    return out - dstOffset;
  }
}

/** Rates the media layer converts between as a matter of course. */
export const COMMON_RATES = [8000, 16000, 32000, 44100, 48000] as const;
