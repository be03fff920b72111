// What a player plays: 16-bit mono PCM sources at a leg's sample rate, read one 20 ms frame at
// a time. Tones (`tone_stream://` TGML, inline or `path=`), silence (`silence_stream://ms`),
// WAV files (8/16 kHz or any rate the resampler takes; PCM, µ-law, A-law; decoded and resampled
// once when opened) and the generated music on hold (`local_stream://moh`), each optionally
// looped. Opening is the control path (async, may fail with MediaSourceError); reading is the
// paced path (synchronous, no allocation). Not here: encoding and sending (leg-media.ts).

import { readFile, stat } from 'node:fs/promises';
import { SoftswitchError } from '../common/index.js';
import { Resampler } from './resample.js';
import { SilenceGenerator, ToneGenerator, parseSilenceStream, parseTgml, parseToneStreamUri, type ToneProgram } from './tone.js';
import { WavFormatError, readWavFile } from './wav.js';

/** Why a source could not be opened: `not-found` (FreeSWITCH's FILE NOT FOUND) or `bad-format` (PLAYBACK ERROR). */
export type MediaSourceFailure = 'not-found' | 'bad-format';

export class MediaSourceError extends SoftswitchError {
  readonly reason: MediaSourceFailure;
  constructor(reason: MediaSourceFailure, message: string, options?: { cause?: unknown }) {
    super('ERR_MEDIA_SOURCE', message, options);
    this.reason = reason;
  }
}

/** 16-bit mono PCM read frame by frame. Fewer samples than asked means the source ended. */
export interface PcmSource {
  readonly sampleRate: number;
  readonly done: boolean;
  read(dst: Int16Array, count: number, offset?: number): number;
}

/** Samples held in memory, played `loops` times (-1 forever). */
export class PcmBufferSource implements PcmSource {
  readonly sampleRate: number;
  readonly #samples: Int16Array;
  #loopsLeft: number;
  #pos = 0;

  constructor(samples: Int16Array, sampleRate: number, loops = 1) {
    this.#samples = samples;
    this.sampleRate = sampleRate;
    this.#loopsLeft = samples.length === 0 ? 0 : loops < 0 ? -1 : Math.max(1, Math.trunc(loops));
  }

  get done(): boolean {
    return this.#loopsLeft === 0;
  }

  read(dst: Int16Array, count: number, offset = 0): number {
    let written = 0;
    const src = this.#samples;
    while (written < count && this.#loopsLeft !== 0) {
      const n = Math.min(count - written, src.length - this.#pos);
      dst.set(src.subarray(this.#pos, this.#pos + n), offset + written);
      written += n;
      this.#pos += n;
      if (this.#pos >= src.length) {
        this.#pos = 0;
        if (this.#loopsLeft > 0) this.#loopsLeft--;
      }
    }
    return written;
  }
}

/** A TGML program as a source, at `sampleRate`, with the program's own loop count. */
export function toneSource(program: ToneProgram, sampleRate: number): PcmSource {
  return new ToneGenerator(program, sampleRate);
}

/** Silence (optionally comfort noise) for `ms` milliseconds, -1 until stopped. */
export function silenceSource(ms: number, sampleRate: number, noise = 0): PcmSource {
  return new SilenceGenerator(ms, sampleRate, noise);
}

/** Resample a whole buffer of mono PCM (file loading; not for streams). */
export function resampleAll(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return samples;
  const r = new Resampler(fromRate, toRate);
  const expected = Math.round((samples.length * toRate) / fromRate);
  // a block of zeros pushes the filter's tail out; the output is then cut to the exact length
  const pad = new Int16Array(Math.ceil(fromRate / 100));
  const out = new Int16Array(r.maxOutput(samples.length) + r.maxOutput(pad.length));
  let n = r.process(samples, out);
  n += r.process(pad, out, pad.length, 0, n);
  return out.subarray(0, Math.min(n, expected));
}

export interface LoadAudioOptions {
  /** Refuse files larger than this (default 64 MiB). */
  maxBytes?: number;
}

/** Read a WAV file as mono PCM at `sampleRate`. Throws MediaSourceError. */
export async function loadAudioFile(path: string, sampleRate: number, opts: LoadAudioOptions = {}): Promise<Int16Array> {
  try {
    const wav = await readWavFile(path, { maxBytes: opts.maxBytes });
    return resampleAll(wav.samples, wav.info.sampleRate, sampleRate);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EISDIR') {
      throw new MediaSourceError('not-found', `cannot open ${path}: ${code}`, { cause: err });
    }
    if (err instanceof WavFormatError) throw new MediaSourceError(err.message.includes('is not a file') ? 'not-found' : 'bad-format', err.message, { cause: err });
    throw new MediaSourceError('bad-format', `cannot play ${path}: ${(err as Error).message}`, { cause: err });
  }
}

const MAX_TONE_FILE_BYTES = 64 * 1024;

/**
 * Open a `tone_stream://…` URI as a source: inline TGML, or `path=<file>` holding the script
 * (the URI's `;loops=N` multiplies the script's `L=`), played `loops` times over (-1 forever).
 * Throws MediaSourceError.
 */
export async function openToneStream(uri: string, sampleRate: number, loops = 1): Promise<PcmSource> {
  const times = (n: number) => (n < 0 || loops < 0 ? -1 : n * Math.max(1, Math.trunc(loops)));
  try {
    const src = parseToneStreamUri(uri);
    if (src.kind === 'script') return toneSource({ ...src.program, loops: times(src.program.loops) }, sampleRate);
    const st = await stat(src.path);
    if (!st.isFile() || st.size > MAX_TONE_FILE_BYTES) throw new MediaSourceError('bad-format', `${src.path} is not a tone script file of at most ${MAX_TONE_FILE_BYTES} bytes`);
    const program = parseTgml((await readFile(src.path, 'utf8')).trim());
    // the URI's `;loops=N` multiplies the script's own `L=` count, as parseTgml does for inline scripts
    return toneSource({ ...program, loops: times(src.loops < 0 || program.loops < 0 ? -1 : src.loops * program.loops) }, sampleRate);
  } catch (err) {
    if (err instanceof MediaSourceError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') throw new MediaSourceError('not-found', `tone script not found: ${uri}`, { cause: err });
    throw new MediaSourceError('bad-format', (err as Error).message, { cause: err });
  }
}

/** Open a `silence_stream://ms[,noise]` URI. Throws MediaSourceError on a bad duration. */
export function openSilenceStream(uri: string, sampleRate: number): PcmSource {
  try {
    const { ms, noise } = parseSilenceStream(uri);
    return silenceSource(ms, sampleRate, noise);
  } catch (err) {
    throw new MediaSourceError('bad-format', (err as Error).message, { cause: err });
  }
}
