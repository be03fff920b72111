// FreeSWITCH's tone scripts (TGML, as libteletone reads them) and the generators behind
// `tone_stream://…` and `silence_stream://…`: parse once into a program, then render 16-bit PCM
// at 8 or 16 kHz into the caller's frame buffer, looping as the script says. Not here: reading
// `path=` files (the caller does, then hands the text to parseTgml), sending the frames.
//
// Script: `;`-separated instructions. `%(on_ms,off_ms,f1[,f2…])` plays the frequencies mixed for
// on_ms, then silence for off_ms; a DTMF character (`0`–`9`, `*`, `#`, `A`–`D`) plays its pair,
// optionally `7(on_ms,off_ms)`. Settings: `v=` volume dB (-63…0, default -7), `d=`/`w=` default
// on/off ms, `>=`/`<=` ms per volume step down/up, `+=` dB per step, `l=` repeat the next tone,
// `L=` repeat the script, `r=`/`c=` (accepted, ignored: we render at the caller's rate, mono),
// and mod_tone_stream's postfix `loops=N` (-1 forever). Examples: us-ring `%(2000,4000,440,480)`,
// uk-ring `%(400,200,400,450);%(400,2000,400,450)`, milliwatt `%(251,0,1004)`.

import { SoftswitchError } from '../common/index.js';

export class ToneSyntaxError extends SoftswitchError {
  constructor(message: string) {
    super('ERR_TONE_SYNTAX', message);
  }
}

/** One tone instruction with the settings in force when it was read. */
export interface ToneSegment {
  onMs: number;
  offMs: number;
  /** Frequencies mixed during on_ms (empty = silence). */
  freqs: number[];
  volumeDb: number;
  /** Volume ramp: every stepMs the level moves by direction · stepDb (within -63…0 dB). */
  rampStepMs: number;
  rampDirection: -1 | 0 | 1;
  rampStepDb: number;
  /** Times the segment plays (`l=`); -1 forever. */
  repeat: number;
}

export interface ToneProgram {
  segments: ToneSegment[];
  /** Times the whole script plays (`L=` × `loops=`); -1 forever. */
  loops: number;
}

const DTMF_FREQS: Record<string, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

const VOL_MIN_DB = -63;
const VOL_MAX_DB = 0;
/** libteletone's defaults: 2000 and 500 samples at 8 kHz. */
const DEFAULT_ON_MS = 250;
const DEFAULT_OFF_MS = 62.5;
const MAX_FREQS = 18;
const MAX_SCRIPT_CHARS = 64 * 1024;
const MAX_SEGMENTS = 10_000;
const MAX_TONE_MS = 3_600_000;

function num(text: string, what: string, script: string): number {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v)) throw new ToneSyntaxError(`bad ${what} ${JSON.stringify(text)} in tone script ${JSON.stringify(script)}`);
  return v;
}

function clampMs(ms: number): number {
  return Math.max(0, Math.min(MAX_TONE_MS, ms));
}

/** Parse a TGML script into a program. Throws {@link ToneSyntaxError} with the offending part. */
export function parseTgml(script: string): ToneProgram {
  if (script.length > MAX_SCRIPT_CHARS) throw new ToneSyntaxError(`tone script longer than ${MAX_SCRIPT_CHARS} characters`);
  const segments: ToneSegment[] = [];
  let volumeDb = -7;
  let onMs = DEFAULT_ON_MS;
  let offMs = DEFAULT_OFF_MS;
  let rampStepMs = 0;
  let rampDirection: -1 | 0 | 1 = 0;
  let rampStepDb = 1;
  let nextRepeat = 1;
  let scriptLoops = 1;
  let postfixLoops = 1;
  let sawL = false;

  const push = (on: number, off: number, freqs: number[]) => {
    if (segments.length >= MAX_SEGMENTS) throw new ToneSyntaxError(`tone script has more than ${MAX_SEGMENTS} tones`);
    segments.push({ onMs: clampMs(on), offMs: clampMs(off), freqs, volumeDb, rampStepMs, rampDirection, rampStepDb, repeat: nextRepeat });
    nextRepeat = 1; // `l=` applies to the next tone only, as libteletone counts it down
  };

  for (const raw of script.split(';')) {
    const part = raw.trim();
    if (part === '') continue;
    const loopsMatch = /^loops\s*=\s*(-?\d+)$/i.exec(part);
    if (loopsMatch) {
      const n = Number(loopsMatch[1]);
      postfixLoops = n < 0 ? -1 : Math.max(1, n);
      continue;
    }
    if (part.length >= 2 && part[1] === '=') {
      const value = part.slice(2);
      switch (part[0]) {
        case 'v': {
          const v = num(value, 'volume', script);
          if (v >= VOL_MIN_DB && v <= VOL_MAX_DB) volumeDb = v; // out of range is ignored, as libteletone does
          break;
        }
        case 'd':
          onMs = clampMs(num(value, 'duration', script));
          break;
        case 'w':
          offMs = clampMs(num(value, 'wait', script));
          break;
        case '>':
          rampStepMs = clampMs(num(value, 'decay step', script));
          rampDirection = -1;
          break;
        case '<':
          rampStepMs = clampMs(num(value, 'rise step', script));
          rampDirection = 1;
          break;
        case '+':
          rampStepDb = num(value, 'decay factor', script);
          break;
        case 'l': {
          const n = Math.trunc(num(value, 'tone loops', script));
          nextRepeat = n < 0 ? -1 : Math.max(1, n);
          break;
        }
        case 'L': {
          const n = Math.trunc(num(value, 'script loops', script));
          if (!sawL && n > 0) {
            scriptLoops = n;
            sawL = true;
          }
          break;
        }
        case 'r':
        case 'c':
          num(value, part[0] === 'r' ? 'rate' : 'channels', script);
          break;
        default:
          throw new ToneSyntaxError(`unknown setting ${JSON.stringify(part)} in tone script ${JSON.stringify(script)}`);
      }
      continue;
    }
    // a run of tone characters, each optionally followed by (…)
    let i = 0;
    while (i < part.length) {
      const ch = part[i]!;
      if (ch === ' ' || ch === '\r' || ch === '\n' || ch === '\t') {
        i++;
        continue;
      }
      let args: string[] | undefined;
      if (part[i + 1] === '(') {
        const close = part.indexOf(')', i + 2);
        if (close < 0) throw new ToneSyntaxError(`missing ')' in tone script ${JSON.stringify(script)}`);
        args = part.slice(i + 2, close).split(',');
        i = close + 1;
      } else {
        i++;
      }
      if (ch === '%') {
        if (!args || args.length < 3) throw new ToneSyntaxError(`%(on,off,freq…) needs at least one frequency in ${JSON.stringify(script)}`);
        const freqs: number[] = [];
        for (const f of args.slice(2, 2 + MAX_FREQS)) {
          const hz = num(f, 'frequency', script);
          if (hz <= 0) break; // libteletone stops at the first 0 frequency (`%(1000,4000,450,0)`)
          freqs.push(hz);
        }
        push(num(args[0]!, 'on time', script), num(args[1]!, 'off time', script), freqs);
        continue;
      }
      const pair = DTMF_FREQS[ch.toUpperCase()];
      if (!pair) throw new ToneSyntaxError(`unknown tone ${JSON.stringify(ch)} in tone script ${JSON.stringify(script)}`);
      if (args && args.length !== 2) throw new ToneSyntaxError(`${ch}(on,off) takes two values in ${JSON.stringify(script)}`);
      push(args ? num(args[0]!, 'on time', script) : onMs, args ? num(args[1]!, 'off time', script) : offMs, [...pair]);
    }
  }
  const loops = scriptLoops < 0 || postfixLoops < 0 ? -1 : scriptLoops * postfixLoops;
  return { segments, loops };
}

/**
 * What a `tone_stream://` URI asks for: an inline script, or a script file (`path=…`) with the
 * postfix `;loops=N` split off. The caller reads the file and calls {@link parseTgml}.
 */
export type ToneStreamSource = { kind: 'script'; program: ToneProgram } | { kind: 'path'; path: string; loops: number };

export function parseToneStreamUri(uri: string): ToneStreamSource {
  const body = uri.startsWith('tone_stream://') ? uri.slice('tone_stream://'.length) : uri;
  if (body.startsWith('path=')) {
    let path = body.slice(5);
    let loops = 1;
    const m = /;\s*loops\s*=\s*(-?\d+)\s*$/i.exec(path);
    if (m) {
      const n = Number(m[1]);
      loops = n < 0 ? -1 : Math.max(1, n);
      path = path.slice(0, m.index);
    }
    if (path === '') throw new ToneSyntaxError(`empty path in ${JSON.stringify(uri)}`);
    return { kind: 'path', path, loops };
  }
  return { kind: 'script', program: parseTgml(body) };
}

/** libteletone's level: 0 dB is 6.16 dB under a full-scale sine (the µ-law maximum, doubled). */
function amplitudeFor(volumeDb: number): number {
  return Math.pow(10, (volumeDb - 6.16) / 20) * 32767 * 1.414214;
}

/**
 * Renders a {@link ToneProgram} as 16-bit mono PCM at `sampleRate`. Call {@link read} once per
 * frame; it fills the caller's buffer and returns fewer samples than asked only at the end.
 */
export class ToneGenerator {
  readonly sampleRate: number;
  readonly #program: ToneProgram;
  readonly #phase = new Float64Array(MAX_FREQS);
  readonly #step = new Float64Array(MAX_FREQS);
  #loopsLeft = 0;
  #seg = 0;
  #repeatLeft = 0;
  #pos = 0;
  #onSamples = 0;
  #totalSamples = 0;
  #nFreqs = 0;
  #vol = 0;
  #amp = 0;
  #rampCount = 0;
  #rampStep = 0;
  #done = false;

  constructor(program: ToneProgram, sampleRate: number) {
    if (!(sampleRate >= 1000 && sampleRate <= 192000)) throw new ToneSyntaxError(`unsupported tone sample rate ${sampleRate}`);
    this.#program = program;
    this.sampleRate = sampleRate;
    this.reset();
  }

  get done(): boolean {
    return this.#done;
  }

  /** Samples in one pass of the script (segments × their repeats; infinite repeats count once). */
  samplesPerLoop(): number {
    let n = 0;
    for (const s of this.#program.segments) n += this.#lengthOf(s) * Math.max(1, s.repeat);
    return n;
  }

  reset(): void {
    this.#loopsLeft = this.#program.loops;
    this.#done = this.samplesPerLoop() === 0;
    this.#seg = -1;
    this.#nextSegment();
  }

  #lengthOf(s: ToneSegment): number {
    return Math.round((s.onMs * this.sampleRate) / 1000) + Math.round((s.offMs * this.sampleRate) / 1000);
  }

  #nextSegment(): void {
    const segs = this.#program.segments;
    for (let guard = 0; guard <= segs.length + 1; guard++) {
      this.#seg++;
      if (this.#seg >= segs.length) {
        if (this.#loopsLeft > 0) this.#loopsLeft--;
        if (this.#loopsLeft === 0) {
          this.#done = true;
          return;
        }
        this.#seg = 0;
      }
      const s = segs[this.#seg]!;
      if (this.#lengthOf(s) === 0) continue;
      this.#repeatLeft = s.repeat;
      this.#startTone(s);
      return;
    }
    this.#done = true;
  }

  #startTone(s: ToneSegment): void {
    this.#pos = 0;
    this.#onSamples = Math.round((s.onMs * this.sampleRate) / 1000);
    this.#totalSamples = this.#onSamples + Math.round((s.offMs * this.sampleRate) / 1000);
    this.#nFreqs = s.freqs.length;
    for (let k = 0; k < s.freqs.length; k++) {
      this.#phase[k] = 0;
      this.#step[k] = (2 * Math.PI * s.freqs[k]!) / this.sampleRate;
    }
    this.#vol = s.volumeDb;
    this.#amp = this.#nFreqs > 0 ? amplitudeFor(s.volumeDb) / this.#nFreqs : 0;
    this.#rampCount = 0;
    this.#rampStep = Math.round((s.rampStepMs * this.sampleRate) / 1000);
  }

  /** Fill dst[offset, offset + count) with the next samples. Returns how many were written. */
  read(dst: Int16Array, count = dst.length, offset = 0): number {
    let written = 0;
    const segs = this.#program.segments;
    while (written < count && !this.#done) {
      const s = segs[this.#seg]!;
      const want = count - written;
      if (this.#pos < this.#onSamples && this.#nFreqs > 0) {
        const n = Math.min(want, this.#onSamples - this.#pos);
        this.#renderTone(s, dst, offset + written, n);
        written += n;
        this.#pos += n;
      } else {
        const n = Math.min(want, this.#totalSamples - this.#pos);
        dst.fill(0, offset + written, offset + written + n);
        written += n;
        this.#pos += n;
      }
      if (this.#pos >= this.#totalSamples) {
        if (this.#repeatLeft > 0) this.#repeatLeft--;
        if (this.#repeatLeft !== 0) this.#startTone(s);
        else this.#nextSegment();
      }
    }
    return written;
  }

  #renderTone(s: ToneSegment, dst: Int16Array, at: number, n: number): void {
    const nf = this.#nFreqs;
    const phase = this.#phase;
    const step = this.#step;
    const twoPi = 2 * Math.PI;
    for (let i = 0; i < n; i++) {
      if (s.rampDirection !== 0 && ++this.#rampCount >= this.#rampStep) {
        const v = this.#vol + s.rampDirection * s.rampStepDb;
        if (v <= VOL_MAX_DB && v >= VOL_MIN_DB) {
          this.#vol = v;
          this.#amp = amplitudeFor(v) / nf;
          this.#rampCount = 0;
        }
      }
      let acc = 0;
      for (let k = 0; k < nf; k++) {
        acc += Math.sin(phase[k]!);
        let p = phase[k]! + step[k]!;
        if (p >= twoPi) p -= twoPi;
        phase[k] = p;
      }
      const y = Math.round(acc * this.#amp);
      dst[at + i] = y > 32767 ? 32767 : y < -32768 ? -32768 : y;
    }
  }
}

/** `silence_stream://<ms>[,<noise>]`: ms of silence (-1 or 0 = until stopped), optional comfort-noise level. */
export function parseSilenceStream(uri: string): { ms: number; noise: number } {
  const body = uri.startsWith('silence_stream://') ? uri.slice('silence_stream://'.length) : uri;
  const [msText, noiseText] = body.split(',');
  const ms = Number((msText ?? '').trim());
  if (!Number.isFinite(ms)) throw new ToneSyntaxError(`bad silence duration in ${JSON.stringify(uri)}`);
  const noise = noiseText === undefined ? 0 : Number(noiseText.trim());
  return { ms: ms <= 0 ? -1 : Math.round(ms), noise: Number.isFinite(noise) && noise > 0 ? noise : 0 };
}

/**
 * Silence for `ms` milliseconds (-1 forever), with optional comfort noise: `noise` is
 * FreeSWITCH's divisor-style level (larger = quieter); 0 = digital silence.
 */
export class SilenceGenerator {
  readonly sampleRate: number;
  #left: number;
  readonly #noiseAmp: number;
  #seed = 0x2545f491;

  constructor(ms: number, sampleRate: number, noise = 0) {
    this.sampleRate = sampleRate;
    this.#left = ms < 0 ? -1 : Math.round((ms * sampleRate) / 1000);
    this.#noiseAmp = noise > 0 ? Math.min(32767, 32767 / noise) : 0;
  }

  get done(): boolean {
    return this.#left === 0;
  }

  read(dst: Int16Array, count = dst.length, offset = 0): number {
    const n = this.#left < 0 ? count : Math.min(count, this.#left);
    if (this.#noiseAmp === 0) dst.fill(0, offset, offset + n);
    else {
      let seed = this.#seed;
      for (let i = 0; i < n; i++) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        dst[offset + i] = Math.round(((seed | 0) / 0x80000000) * this.#noiseAmp);
      }
      this.#seed = seed;
    }
    if (this.#left > 0) this.#left -= n;
    return n;
  }
}
