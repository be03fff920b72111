// WAV files: read RIFF/WAVE with 16-bit or 8-bit PCM, µ-law (format 7) or A-law (format 6), mono
// or stereo, any rate the resampler takes (8/16/48 kHz typical), skipping chunks we do not need;
// and write 16-bit PCM recordings (mono or stereo, one leg per channel) as a stream whose sizes
// are fixed up on close. Bad files give a WavFormatError naming the problem, never a crash or an
// allocation larger than the file. Not here: resampling (resample.ts), playback timing.
//
//  offset  size  field (all little-endian)
//  0       4     "RIFF"          8   4  "WAVE"
//  4       4     file size - 8   12… chunks: id (4) size (4) body (size, padded to even)
//  fmt  body: format (2) channels (2) rate (4) byte rate (4) block align (2) bits (2) [cbSize, ext]
//  data body: interleaved frames

import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { SoftswitchError } from '../common/index.js';
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR } from './g711.js';

export class WavFormatError extends SoftswitchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_WAV_FORMAT', message, options);
  }
}

export type WavEncoding = 'pcm16' | 'pcm8' | 'ulaw' | 'alaw';

export interface WavInfo {
  encoding: WavEncoding;
  sampleRate: number;
  channels: number;
  /** bytes per frame (all channels of one sample instant) */
  blockAlign: number;
  /** where the sample data starts in the file */
  dataOffset: number;
  /** bytes of sample data, whole frames only */
  dataBytes: number;
  /** frames = samples per channel */
  frames: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_ALAW = 6;
const WAVE_FORMAT_MULAW = 7;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const MAX_CHUNKS = 1000;

function fourcc(buf: Uint8Array, at: number): string {
  return String.fromCharCode(buf[at]!, buf[at + 1]!, buf[at + 2]!, buf[at + 3]!);
}

function u16(buf: Uint8Array, at: number): number {
  return buf[at]! | (buf[at + 1]! << 8);
}

function u32(buf: Uint8Array, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
}

/**
 * Parse the header of a WAV file held (at least up to the start of its data chunk) in `buf`.
 * `fileSize` is the whole file's size when `buf` holds only a prefix; the data chunk is clamped
 * to it (writers that died before fixing the header leave 0 or 0xFFFFFFFF there).
 */
export function parseWavHeader(buf: Uint8Array, fileSize = buf.length): WavInfo {
  if (buf.length < 12) throw new WavFormatError(`not a WAV file: ${buf.length} bytes is too short for a RIFF header`);
  if (fourcc(buf, 0) !== 'RIFF' || fourcc(buf, 8) !== 'WAVE') throw new WavFormatError('not a WAV file: no RIFF/WAVE signature');
  let at = 12;
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'frames'> | undefined;
  for (let n = 0; n < MAX_CHUNKS; n++) {
    if (at + 8 > buf.length) {
      throw new WavFormatError(at + 8 > fileSize ? 'WAV file has no data chunk' : 'WAV header does not fit in the bytes read');
    }
    const id = fourcc(buf, at);
    const size = u32(buf, at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new WavFormatError(`WAV fmt chunk too short (${size} bytes)`);
      fmt = parseFmt(buf, body, size);
    } else if (id === 'data') {
      if (!fmt) throw new WavFormatError('WAV data chunk before the fmt chunk');
      const available = Math.max(0, fileSize - body);
      let bytes = size === 0 || size === 0xffffffff || size > available ? available : size;
      bytes -= bytes % fmt.blockAlign;
      return { ...fmt, dataOffset: body, dataBytes: bytes, frames: bytes / fmt.blockAlign };
    }
    // any other chunk (LIST, fact, bext, cue…) is skipped; bodies are padded to an even length
    at = body + size + (size & 1);
    if (at > fileSize) throw new WavFormatError(`WAV chunk '${printable(id)}' runs past the end of the file`);
  }
  throw new WavFormatError(`WAV file has more than ${MAX_CHUNKS} chunks before its data`);
}

function printable(id: string): string {
  return id.replace(/[^\x20-\x7e]/g, '?');
}

function parseFmt(buf: Uint8Array, at: number, size: number): Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'frames'> {
  let format = u16(buf, at);
  const channels = u16(buf, at + 2);
  const sampleRate = u32(buf, at + 4);
  const bits = u16(buf, at + 14);
  if (format === WAVE_FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: cbSize (2) validBits (2) channelMask (4) subformat GUID (16), whose first two bytes are the format
    if (size < 40 || at + 26 > buf.length) throw new WavFormatError('WAV extensible fmt chunk too short');
    format = u16(buf, at + 24);
  }
  if (channels < 1 || channels > 2) throw new WavFormatError(`WAV with ${channels} channels is not supported (mono or stereo)`);
  if (sampleRate < 1000 || sampleRate > 192000) throw new WavFormatError(`WAV sample rate ${sampleRate} Hz is not supported`);
  let encoding: WavEncoding;
  let bytesPerSample: number;
  if (format === WAVE_FORMAT_PCM && bits === 16) {
    encoding = 'pcm16';
    bytesPerSample = 2;
  } else if (format === WAVE_FORMAT_PCM && bits === 8) {
    encoding = 'pcm8';
    bytesPerSample = 1;
  } else if (format === WAVE_FORMAT_MULAW && bits === 8) {
    encoding = 'ulaw';
    bytesPerSample = 1;
  } else if (format === WAVE_FORMAT_ALAW && bits === 8) {
    encoding = 'alaw';
    bytesPerSample = 1;
  } else {
    throw new WavFormatError(`WAV format ${format} with ${bits}-bit samples is not supported (16/8-bit PCM, µ-law, A-law)`);
  }
  // the declared block align is sometimes wrong; the format fixes it anyway
  return { encoding, sampleRate, channels, blockAlign: bytesPerSample * channels };
}

/**
 * Decode `frames` frames of `data` (starting at a frame boundary, in the file's encoding) into
 * mono 16-bit samples in `dst` from `dstOffset`; stereo is averaged. Returns the frames decoded
 * (fewer when `data` or `dst` runs out).
 */
export function decodeWavFrames(info: Pick<WavInfo, 'encoding' | 'channels' | 'blockAlign'>, data: Uint8Array, dst: Int16Array, frames: number, dstOffset = 0): number {
  const n = Math.min(frames, Math.floor(data.length / info.blockAlign), dst.length - dstOffset);
  const stereo = info.channels === 2;
  switch (info.encoding) {
    case 'pcm16':
      for (let i = 0; i < n; i++) {
        const at = i * info.blockAlign;
        const l = ((data[at]! | (data[at + 1]! << 8)) << 16) >> 16;
        if (stereo) {
          const r = ((data[at + 2]! | (data[at + 3]! << 8)) << 16) >> 16;
          dst[dstOffset + i] = (l + r) >> 1;
        } else dst[dstOffset + i] = l;
      }
      break;
    case 'pcm8':
      for (let i = 0; i < n; i++) {
        const at = i * info.blockAlign;
        const l = (data[at]! - 128) << 8;
        dst[dstOffset + i] = stereo ? (l + ((data[at + 1]! - 128) << 8)) >> 1 : l;
      }
      break;
    case 'ulaw':
    case 'alaw': {
      const table = info.encoding === 'ulaw' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
      for (let i = 0; i < n; i++) {
        const at = i * info.blockAlign;
        dst[dstOffset + i] = stereo ? (table[data[at]!]! + table[data[at + 1]!]!) >> 1 : table[data[at]!]!;
      }
      break;
    }
  }
  return n;
}

/** A WAV file read whole: its header and its samples as mono 16-bit at the file's own rate. */
export interface WavAudio {
  info: WavInfo;
  samples: Int16Array;
}

/** Read and decode a whole WAV file, refusing files larger than `maxBytes` (default 64 MiB). */
export async function readWavFile(path: string, opts: { maxBytes?: number } = {}): Promise<WavAudio> {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const st = await stat(path);
  if (!st.isFile()) throw new WavFormatError(`${path} is not a file`);
  if (st.size > maxBytes) throw new WavFormatError(`${path} is ${st.size} bytes, over the ${maxBytes}-byte limit`);
  const buf = await readFile(path);
  return decodeWav(buf, path);
}

/** Decode a WAV file held in memory. `name` only labels errors. */
export function decodeWav(buf: Uint8Array, name = 'WAV data'): WavAudio {
  let info: WavInfo;
  try {
    info = parseWavHeader(buf);
  } catch (err) {
    if (err instanceof WavFormatError) throw new WavFormatError(`${name}: ${err.message}`);
    throw err;
  }
  const samples = new Int16Array(info.frames);
  decodeWavFrames(info, buf.subarray(info.dataOffset, info.dataOffset + info.dataBytes), samples, info.frames);
  return { info, samples };
}

/** The 44-byte header of a 16-bit PCM WAV file holding `dataBytes` bytes of samples. */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}

/** A whole 16-bit PCM WAV file in memory (mono, or interleaved stereo samples). */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Buffer {
  const header = wavHeader(sampleRate, channels, samples.length * 2);
  const body = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) body.writeInt16LE(samples[i]!, i * 2);
  return Buffer.concat([header, body]);
}

export interface WavWriterOptions {
  sampleRate: number;
  channels: 1 | 2;
  /** Stop accepting samples past this many data bytes (record_session's max seconds; RIFF's 4 GiB). */
  maxDataBytes?: number;
  /** Bytes buffered before a write to disk (default 64 KiB). */
  bufferBytes?: number;
}

const LITTLE_ENDIAN = endianness() === 'LE';
const RIFF_MAX_DATA = 0xffffffff - 36;

/**
 * A 16-bit PCM WAV file written as a stream: `write` copies samples into a buffer (synchronous,
 * no allocation in the steady state), full buffers go to disk in order in the background, and
 * `close` writes the last buffer and fixes the RIFF and data sizes in the header.
 */
export class WavWriter {
  readonly path: string;
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  readonly #fh: FileHandle;
  readonly #maxDataBytes: number;
  readonly #bufferBytes: number;
  #buf: Buffer;
  #view16: Int16Array | undefined;
  #used = 0;
  #free: Buffer[] = [];
  #filePos = 44;
  #dataBytes = 0;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(path: string, fh: FileHandle, opts: WavWriterOptions) {
    this.path = path;
    this.#fh = fh;
    this.sampleRate = opts.sampleRate;
    this.channels = opts.channels;
    const frame = 2 * opts.channels;
    this.#maxDataBytes = Math.min(RIFF_MAX_DATA, Math.max(0, opts.maxDataBytes ?? RIFF_MAX_DATA));
    this.#bufferBytes = Math.max(frame * 160, (opts.bufferBytes ?? 64 * 1024) - ((opts.bufferBytes ?? 64 * 1024) % frame));
    this.#buf = this.#newBuffer();
    this.#view16 = this.#viewOf(this.#buf);
  }

  /** Create (or truncate) `path` and write a provisional header. */
  static async open(path: string, opts: WavWriterOptions): Promise<WavWriter> {
    if (opts.channels !== 1 && opts.channels !== 2) throw new WavFormatError(`cannot write a WAV with ${String(opts.channels)} channels`);
    if (!Number.isInteger(opts.sampleRate) || opts.sampleRate < 1000 || opts.sampleRate > 192000) {
      throw new WavFormatError(`cannot write a WAV at ${opts.sampleRate} Hz`);
    }
    const fh = await open(path, 'w');
    try {
      await fh.write(wavHeader(opts.sampleRate, opts.channels, 0), 0, 44, 0);
    } catch (err) {
      await fh.close().catch(() => {});
      throw err;
    }
    return new WavWriter(path, fh, opts);
  }

  /** Sample data bytes accepted so far. */
  get dataBytes(): number {
    return this.#dataBytes;
  }

  get frames(): number {
    return this.#dataBytes / (2 * this.channels);
  }

  get durationMs(): number {
    return (this.frames * 1000) / this.sampleRate;
  }

  /** True once the size limit is reached, the file failed, or it was closed. */
  get full(): boolean {
    return this.#closed || this.#error !== undefined || this.#dataBytes >= this.#maxDataBytes;
  }

  /**
   * Append `count` samples (interleaved when stereo) from `samples[offset…]`. Returns false when
   * nothing more is accepted (limit reached, closed, or a disk error); a partial frame is dropped.
   */
  write(samples: Int16Array, count = samples.length, offset = 0): boolean {
    if (this.full) return false;
    let n = Math.min(count, Math.floor((this.#maxDataBytes - this.#dataBytes) / 2));
    n -= n % this.channels;
    let i = 0;
    while (i < n) {
      const room = (this.#bufferBytes - this.#used) >> 1;
      const k = Math.min(room, n - i);
      const view = this.#view16;
      if (view) view.set(samples.subarray(offset + i, offset + i + k), this.#used >> 1);
      else for (let j = 0; j < k; j++) this.#buf.writeInt16LE(samples[offset + i + j]!, this.#used + 2 * j);
      this.#used += 2 * k;
      i += k;
      if (this.#used === this.#bufferBytes) this.#flush();
    }
    this.#dataBytes += 2 * n;
    return n === count;
  }

  /** Append `count` frames made of `left[i]`, `right[i]` (a stereo writer: one leg per channel). */
  writeStereo(left: Int16Array, right: Int16Array, count = Math.min(left.length, right.length)): boolean {
    if (this.channels !== 2) throw new WavFormatError('writeStereo on a mono WAV writer');
    if (this.full) return false;
    const n = Math.min(count, Math.floor((this.#maxDataBytes - this.#dataBytes) / 4));
    for (let i = 0; i < n; i++) {
      const at = this.#used;
      const view = this.#view16;
      if (view) {
        view[at >> 1] = left[i]!;
        view[(at >> 1) + 1] = right[i]!;
      } else {
        this.#buf.writeInt16LE(left[i]!, at);
        this.#buf.writeInt16LE(right[i]!, at + 2);
      }
      this.#used += 4;
      if (this.#used === this.#bufferBytes) this.#flush();
    }
    this.#dataBytes += 4 * n;
    return n === count;
  }

  /** Write what is buffered, fix the header, close the file. Idempotent; rejects on a disk error. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      this.#flush();
      this.#closing = this.#chain.then(async () => {
        try {
          if (this.#error === undefined) await this.#fh.write(wavHeader(this.sampleRate, this.channels, this.#dataBytes), 0, 44, 0);
        } finally {
          await this.#fh.close();
        }
        if (this.#error !== undefined) throw new WavFormatError(`writing ${this.path} failed`, { cause: this.#error });
      });
    }
    return this.#closing;
  }

  #newBuffer(): Buffer {
    // an ArrayBuffer of our own keeps the Int16Array view aligned
    return this.#free.pop() ?? Buffer.from(new ArrayBuffer(this.#bufferBytes));
  }

  #viewOf(buf: Buffer): Int16Array | undefined {
    return LITTLE_ENDIAN ? new Int16Array(buf.buffer, buf.byteOffset, buf.length >> 1) : undefined;
  }

  #flush(): void {
    if (this.#used === 0) return;
    const buf = this.#buf;
    const len = this.#used;
    const pos = this.#filePos;
    this.#filePos += len;
    this.#chain = this.#chain.then(async () => {
      if (this.#error !== undefined) return;
      try {
        await this.#fh.write(buf, 0, len, pos);
      } catch (err) {
        this.#error = err;
      }
      if (this.#free.length < 2) this.#free.push(buf);
    });
    this.#buf = this.#newBuffer();
    this.#view16 = this.#viewOf(this.#buf);
    this.#used = 0;
  }
}
