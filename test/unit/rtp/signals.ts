// Deterministic test signals and measurements shared by the rtp unit tests: sines, a chirp,
// pseudo-random noise, and Goertzel / RMS / zero-crossing measurements. Test helper only.

/** A sine of `freqHz` at `amplitude` (peak, 16-bit scale), `samples` long. */
export function sine(freqHz: number, rate: number, samples: number, amplitude: number, phase = 0): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(amplitude * Math.sin(phase + (2 * Math.PI * freqHz * i) / rate));
  return out;
}

/**
 * The G.722 reference input: 2 s at 16 kHz of a 1 kHz sine at -6 dBFS, a 50 Hz → 7.5 kHz chirp,
 * loud pseudo-random noise (driving the quantizers to their limits), silence, and a full-scale
 * square wave (saturating the QMF). Integer LCG noise so every platform builds the same bytes.
 */
export function g722ReferenceInput(): Int16Array {
  const rate = 16000;
  const out = new Int16Array(2 * rate);
  let n = 0;
  const part = rate / 2;
  for (let i = 0; i < part; i++) out[n++] = Math.round(16384 * Math.sin((2 * Math.PI * 1000 * i) / rate));
  for (let i = 0; i < part / 2; i++) {
    const t = i / rate;
    const f0 = 50;
    const k = (7500 - f0) / (part / 2 / rate);
    out[n++] = Math.round(12000 * Math.sin(2 * Math.PI * (f0 * t + (k * t * t) / 2)));
  }
  let seed = 12345;
  for (let i = 0; i < part / 2; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out[n++] = ((seed >>> 16) & 0xffff) - 32768;
  }
  n += part / 2; // silence
  for (let i = 0; i < part / 2; i++) out[n++] = (i >> 4) & 1 ? 32767 : -32768;
  return out;
}

/** Squared magnitude of the `freqHz` bin of x[start, end) (Goertzel); a sine of amplitude A gives (A·N/2)². */
export function goertzelPower(x: ArrayLike<number>, freqHz: number, rate: number, start = 0, end = x.length): number {
  const w = (2 * Math.PI * freqHz) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < end; i++) {
    const s0 = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/** Amplitude of the `freqHz` component in x[start, end) (peak, same units as x). */
export function toneAmplitude(x: ArrayLike<number>, freqHz: number, rate: number, start = 0, end = x.length): number {
  const n = end - start;
  return (2 * Math.sqrt(goertzelPower(x, freqHz, rate, start, end))) / n;
}

export function rms(x: ArrayLike<number>, start = 0, end = x.length): number {
  let acc = 0;
  for (let i = start; i < end; i++) acc += x[i]! * x[i]!;
  return Math.sqrt(acc / Math.max(1, end - start));
}

/** Frequency estimated from rising zero crossings in x[start, end). */
export function zeroCrossingFrequency(x: ArrayLike<number>, rate: number, start = 0, end = x.length): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = start + 1; i < end; i++) {
    if (x[i - 1]! < 0 && x[i]! >= 0) {
      // interpolate the crossing instant
      const t = i - 1 + -x[i - 1]! / (x[i]! - x[i - 1]!);
      if (first < 0) first = t;
      else count++;
      last = t;
    }
  }
  return count > 0 ? (count * rate) / (last - first) : 0;
}

export function db(ratio: number): number {
  return 20 * Math.log10(ratio);
}
