// The switch's own music on hold, behind `local_stream://moh`: a gentle synthesized piece (a
// I–vi–IV–V progression as soft pads, a plucked arpeggio and a bass note per bar), generated
// by code rather than shipped as a recording, so the project carries no third-party audio and
// no binary file. `ensureMusicOnHold` writes it into the data directory the first time the
// media layer starts. Deterministic: the same rate always gives the same samples.

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SoftswitchError } from '../common/index.js';
import { encodeWav, parseWavHeader } from './wav.js';

export class MusicOnHoldError extends SoftswitchError {
  constructor(message: string) {
    super('ERR_MOH', message);
  }
}

export interface MusicOnHoldOptions {
  /** 8000 or 16000 (any rate from 8000 up works; notes stay under 1.1 kHz). */
  sampleRate?: number;
}

/** Seconds of music: 12 bars of 2.5 s, looping seamlessly back to the first chord. */
export const MOH_SECONDS = 30;

const BAR_S = 2.5;
const STEP_S = BAR_S / 8; // eighth notes at 96 beats per minute

/** MIDI note numbers: C major progression C Am F G | C Am Dm G | F G Em Am→G. */
const CHORDS: number[][] = [
  [60, 64, 67], [57, 60, 64], [53, 57, 60], [55, 59, 62],
  [60, 64, 67], [57, 60, 64], [50, 53, 57], [55, 59, 62],
  [53, 57, 60], [55, 59, 62], [52, 55, 59], [55, 59, 62],
];
/** Arpeggio pattern over the chord's tones (index into [root, third, fifth, octave, octave+third]). */
const ARPEGGIO = [0, 1, 2, 3, 4, 3, 2, 1];

function hz(midi: number): number {
  return 440 * Math.pow(2, (midi - 69) / 12);
}

/** Add a note to `out`: a soft triangle-like tone (fundamental + 1/9 third harmonic) under an envelope. */
function addNote(out: Float64Array, rate: number, startS: number, lengthS: number, freq: number, gain: number, attackS: number, decayS: number, releaseS: number): void {
  const start = Math.round(startS * rate);
  const len = Math.round((lengthS + releaseS) * rate);
  const w = (2 * Math.PI * freq) / rate;
  const holdEnd = lengthS * rate;
  // the third harmonic only where it stays inside the telephone band (and below Nyquist)
  const h3 = 3 * freq < Math.min(3400, rate * 0.45) ? 1 / 9 : 0;
  for (let i = 0; i < len && start + i < out.length; i++) {
    const t = i / rate;
    let env = t < attackS ? t / attackS : decayS > 0 ? Math.exp(-(t - attackS) / decayS) : 1;
    if (i > holdEnd) env *= Math.max(0, 1 - (i - holdEnd) / (releaseS * rate));
    const x = Math.sin(w * i) - h3 * Math.sin(3 * w * i);
    out[start + i] += gain * env * x;
  }
}

/**
 * The music-on-hold piece as 16-bit mono PCM: {@link MOH_SECONDS} seconds, peaks at -6 dBFS,
 * with 20 ms fades at both ends so looping it does not click.
 */
export function generateMusicOnHold(opts: MusicOnHoldOptions = {}): Int16Array {
  const rate = opts.sampleRate ?? 8000;
  if (!Number.isInteger(rate) || rate < 8000 || rate > 48000) throw new MusicOnHoldError(`music on hold at ${rate} Hz is not supported`);
  const total = MOH_SECONDS * rate;
  const mix = new Float64Array(total);
  CHORDS.forEach((chord, bar) => {
    const t0 = bar * BAR_S;
    const root = chord[0]!;
    // pad: the chord held softly through the bar
    for (const note of chord) addNote(mix, rate, t0, BAR_S - 0.35, hz(note), 0.09, 0.35, 0, 0.35);
    // bass: the root an octave down on the first beat, decaying
    addNote(mix, rate, t0, BAR_S * 0.5, hz(root - 12), 0.22, 0.02, 0.9, 0.2);
    // arpeggio: eighth notes an octave up, plucked
    const tones = [chord[0]!, chord[1]!, chord[2]!, chord[0]! + 12, chord[1]! + 12];
    ARPEGGIO.forEach((k, step) => {
      addNote(mix, rate, t0 + step * STEP_S, STEP_S * 0.9, hz(tones[k]! + 12), 0.16, 0.008, 0.22, 0.05);
    });
  });
  let peak = 0;
  for (let i = 0; i < total; i++) peak = Math.max(peak, Math.abs(mix[i]!));
  const scale = peak > 0 ? 16384 / peak : 0;
  const fade = Math.round(0.02 * rate);
  const out = new Int16Array(total);
  for (let i = 0; i < total; i++) {
    const g = i < fade ? i / fade : i >= total - fade ? (total - 1 - i) / fade : 1;
    out[i] = Math.round(mix[i]! * scale * g);
  }
  return out;
}

/**
 * Make sure a music-on-hold WAV exists at `path` (16-bit mono at `sampleRate`): keep a valid
 * one, otherwise generate it and move it into place atomically. Returns whether it was written.
 */
export async function ensureMusicOnHold(path: string, opts: MusicOnHoldOptions = {}): Promise<{ path: string; created: boolean }> {
  const rate = opts.sampleRate ?? 8000;
  try {
    const head = await readFile(path);
    const info = parseWavHeader(head);
    if (info.sampleRate === rate && info.frames > 0) return { path, created: false };
  } catch {
    // missing or unreadable: (re)create below
  }
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, encodeWav(generateMusicOnHold({ sampleRate: rate }), rate, 1));
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { path, created: true };
}
