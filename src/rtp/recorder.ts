// `record_session` in stereo: a 16-bit PCM WAV whose left channel is one leg's audio and right
// channel another's (or what the first leg hears), written as the call goes. Each channel
// decodes the leg's payloads with its own codec state, resamples them to the file's rate and
// queues them in a bounded ring; the engine's shared 20 ms clock takes one frame from each
// ring and writes them side by side, so the two channels stay aligned by wall-clock time even
// when one side is silent (no packets: zeros) or jittery (a two-frame cushion). Not here:
// mono `record`, silence detection, the file name template (the app layer's).

import { InvalidStateError } from '../common/index.js';
import { createAudioCodec, type AudioCodec, type AudioFormat } from './audio-codec.js';
import type { AudioTap } from './leg-media.js';
import type { MediaClock, MediaTicker } from './media-clock.js';
import { Resampler } from './resample.js';
import { WavWriter } from './wav.js';

/** Frames a channel buffers before it starts (and after an underrun): the jitter cushion. */
const PREFILL_FRAMES = 2;
/** Seconds a channel may queue before its oldest audio is dropped. */
const RING_SECONDS = 1;
/** The largest payload a channel decodes at once (120 ms at 16 kHz). */
const MAX_SAMPLES = 1920;

/** One side of the recording: a tap on a leg's incoming or outgoing audio. */
class RecorderChannel implements AudioTap {
  readonly #rate: number;
  readonly #ring: Int16Array;
  #read = 0;
  #count = 0;
  #started = false;
  #format: AudioFormat | undefined;
  #codec: AudioCodec | undefined;
  #resampler: Resampler | undefined;
  readonly #pcm = new Int16Array(MAX_SAMPLES);
  readonly #pcmOut = new Int16Array(2 * MAX_SAMPLES + 2);
  dropped = 0;

  constructor(rate: number) {
    this.#rate = rate;
    this.#ring = new Int16Array(rate * RING_SECONDS);
  }

  push(payload: Uint8Array, offset: number, len: number, format: AudioFormat): void {
    if (format !== this.#format) {
      this.#format = format;
      this.#codec = createAudioCodec(format);
      this.#resampler = format.sampleRate !== this.#rate ? new Resampler(format.sampleRate, this.#rate) : undefined;
    }
    const codec = this.#codec!;
    if (codec.samplesIn(len) > MAX_SAMPLES) return;
    const n = codec.decode(payload, offset, len, this.#pcm);
    if (this.#resampler) {
      const m = this.#resampler.process(this.#pcm, this.#pcmOut, n);
      this.#write(this.#pcmOut, m);
    } else this.#write(this.#pcm, n);
  }

  #write(src: Int16Array, n: number): void {
    const ring = this.#ring;
    const size = ring.length;
    for (let i = 0; i < n; i++) {
      if (this.#count === size) {
        // full: drop the oldest sample
        this.#read = this.#read + 1 === size ? 0 : this.#read + 1;
        this.#count--;
        this.dropped++;
      }
      let w = this.#read + this.#count;
      if (w >= size) w -= size;
      ring[w] = src[i]!;
      this.#count++;
    }
  }

  /** Take one frame into dst (zeros where the leg sent nothing). */
  pull(dst: Int16Array, frame: number): void {
    if (!this.#started && this.#count >= PREFILL_FRAMES * frame) this.#started = true;
    if (!this.#started) {
      dst.fill(0, 0, frame);
      return;
    }
    const n = Math.min(frame, this.#count);
    const ring = this.#ring;
    const size = ring.length;
    for (let i = 0; i < n; i++) {
      dst[i] = ring[this.#read]!;
      this.#read = this.#read + 1 === size ? 0 : this.#read + 1;
    }
    this.#count -= n;
    if (n < frame) {
      dst.fill(0, n, frame);
      this.#started = false; // underrun: rebuild the cushion
    }
  }
}

/** Where a channel listens: a leg's incoming or outgoing audio. */
export interface RecordingTapPoint {
  addTap(direction: 'in' | 'out', tap: AudioTap): () => void;
}

export interface StereoRecordingOptions {
  /** File rate: 8000 or 16000 (default: 16000 if either leg is wideband, else 8000). */
  sampleRate?: number;
  /** Stop after this many seconds (record_session's `+<max_sec>`). */
  maxSec?: number;
}

export class StereoRecording implements MediaTicker {
  readonly path: string;
  readonly sampleRate: number;
  /** Resolves when the file is complete (stopped, limit reached, or a leg closed). */
  readonly finished: Promise<void>;
  readonly #writer: WavWriter;
  readonly #clock: MediaClock;
  readonly #left: RecorderChannel;
  readonly #right: RecorderChannel;
  readonly #frame: number;
  readonly #l: Int16Array;
  readonly #r: Int16Array;
  readonly #detach: Array<() => void> = [];
  #stopping: Promise<void> | undefined;
  #resolveFinished!: () => void;

  private constructor(writer: WavWriter, clock: MediaClock) {
    this.#writer = writer;
    this.path = writer.path;
    this.sampleRate = writer.sampleRate;
    this.#clock = clock;
    this.#frame = this.sampleRate / 50;
    this.#l = new Int16Array(this.#frame);
    this.#r = new Int16Array(this.#frame);
    this.#left = new RecorderChannel(this.sampleRate);
    this.#right = new RecorderChannel(this.sampleRate);
    this.finished = new Promise((resolve) => {
      this.#resolveFinished = resolve;
    });
  }

  /**
   * Open `path` and start recording: left = `left`'s tap point, right = `right`'s. The
   * MediaEngine wires legs in (recordStereo); this is the mechanism.
   */
  static async start(
    path: string,
    left: { point: RecordingTapPoint; direction: 'in' | 'out' },
    right: { point: RecordingTapPoint; direction: 'in' | 'out' },
    clock: MediaClock,
    opts: StereoRecordingOptions & { sampleRate: number },
  ): Promise<StereoRecording> {
    if (opts.sampleRate !== 8000 && opts.sampleRate !== 16000) throw new InvalidStateError(`record at 8000 or 16000 Hz, not ${opts.sampleRate}`);
    const maxDataBytes = opts.maxSec && opts.maxSec > 0 ? Math.round(opts.maxSec * opts.sampleRate) * 4 : undefined;
    const writer = await WavWriter.open(path, { sampleRate: opts.sampleRate, channels: 2, maxDataBytes });
    const rec = new StereoRecording(writer, clock);
    rec.#detach.push(left.point.addTap(left.direction, rec.#left), right.point.addTap(right.direction, rec.#right));
    clock.add(rec);
    return rec;
  }

  get durationMs(): number {
    return this.#writer.durationMs;
  }

  get stopped(): boolean {
    return this.#stopping !== undefined;
  }

  tick(): void {
    if (this.#stopping) return;
    this.#left.pull(this.#l, this.#frame);
    this.#right.pull(this.#r, this.#frame);
    this.#writer.writeStereo(this.#l, this.#r, this.#frame);
    if (this.#writer.full) void this.stop().catch(() => {});
  }

  /** Stop and finish the file (header sizes fixed). Idempotent; rejects on a disk error. */
  stop(): Promise<void> {
    if (!this.#stopping) {
      this.#clock.delete(this);
      for (const off of this.#detach) off();
      this.#stopping = this.#writer.close().finally(() => this.#resolveFinished());
    }
    return this.#stopping;
  }
}
