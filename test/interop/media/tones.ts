// Finding tones in what a phone recorded (baresip's sndfile dumps): a Goertzel filter over
// 100 ms windows. The reference frequency (1870 Hz) is one no test sends: a tone counts in a
// window when it is loud and well above the reference there.

export interface Recording {
  samples: Int16Array;
  rate: number;
}

/** Peak amplitude of `hz` in x[from, to) (Goertzel). */
export function amplitude(x: Int16Array, hz: number, rate: number, from = 0, to = x.length): number {
  const c = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (2 * Math.sqrt(Math.max(0, s1 * s1 + s2 * s2 - c * s1 * s2))) / Math.max(1, to - from);
}

/** The share of 100 ms windows of rec[fromSec, toSec) in which `hz` is clearly there. */
export function presence(rec: Recording, hz: number, fromSec = 0, toSec = rec.samples.length / rec.rate): number {
  const win = Math.floor(rec.rate / 10);
  const end = Math.min(rec.samples.length, Math.floor(toSec * rec.rate));
  let hits = 0;
  let windows = 0;
  for (let at = Math.max(0, Math.floor(fromSec * rec.rate)); at + win <= end; at += win) {
    windows++;
    const a = amplitude(rec.samples, hz, rec.rate, at, at + win);
    if (a > 300 && a > 4 * amplitude(rec.samples, 1870, rec.rate, at, at + win)) hits++;
  }
  return windows === 0 ? 0 : hits / windows;
}

/** Root-mean-square level of rec[fromSec, toSec). */
export function level(rec: Recording, fromSec = 0, toSec = rec.samples.length / rec.rate): number {
  const from = Math.max(0, Math.floor(fromSec * rec.rate));
  const to = Math.min(rec.samples.length, Math.floor(toSec * rec.rate));
  let energy = 0;
  for (let i = from; i < to; i++) energy += rec.samples[i]! * rec.samples[i]!;
  return to > from ? Math.sqrt(energy / (to - from)) : 0;
}
