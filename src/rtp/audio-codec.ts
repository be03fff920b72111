// The audio codecs default media mode terminates, behind one shape: PCMU and PCMA (G.711),
// G.722 (16 kHz audio on an 8000 Hz RTP clock, RFC 3551 §4.5.2) and L16 (big-endian 16-bit
// PCM, RFC 3551 §4.5.11) at 8 or 16 kHz. Each instance keeps its own codec state (G.722 is
// adaptive), decodes an RTP payload into 16-bit PCM and encodes PCM into a payload, writing
// into caller buffers with no allocation. Not here: resampling, packetisation, telephone-event.

import { SoftswitchError } from '../common/index.js';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from './g711.js';
import { G722Decoder, G722Encoder } from './g722.js';

export class UnsupportedCodecError extends SoftswitchError {
  constructor(message: string) {
    super('ERR_UNSUPPORTED_CODEC', message);
  }
}

export type AudioCodecName = 'PCMU' | 'PCMA' | 'G722' | 'L16';

/** What a leg runs: the negotiated codec and its payload type (from the call layer's SDP). */
export interface AudioFormat {
  name: AudioCodecName;
  payloadType: number;
  /** RTP clock rate: 8000 except L16/16000. */
  clockRate: number;
  /** Audio sample rate: 16000 for G.722 and L16/16000, else 8000. */
  sampleRate: number;
}

/**
 * The format of a negotiated SDP codec (`{ name: 'PCMA', payloadType: 8, clockRate: 8000 }`,
 * as sdp-negotiate.ts gives it). Throws UnsupportedCodecError for codecs we cannot terminate.
 */
export function audioFormatOf(codec: { name: string; payloadType: number; clockRate: number }): AudioFormat {
  const name = codec.name.toUpperCase();
  const pt = codec.payloadType;
  if (!Number.isInteger(pt) || pt < 0 || pt > 127) throw new UnsupportedCodecError(`bad payload type ${pt} for ${codec.name}`);
  switch (name) {
    case 'PCMU':
    case 'PCMA':
      if (codec.clockRate !== 8000) break;
      return { name, payloadType: pt, clockRate: 8000, sampleRate: 8000 };
    case 'G722':
      if (codec.clockRate !== 8000) break;
      return { name, payloadType: pt, clockRate: 8000, sampleRate: 16000 };
    case 'L16':
      if (codec.clockRate !== 8000 && codec.clockRate !== 16000) break;
      return { name, payloadType: pt, clockRate: codec.clockRate, sampleRate: codec.clockRate };
  }
  throw new UnsupportedCodecError(`cannot terminate ${codec.name}/${codec.clockRate} in default media mode (PCMU, PCMA, G722, L16/8000, L16/16000)`);
}

/** One direction's codec state. */
export interface AudioCodec {
  readonly format: AudioFormat;
  /** Decode `len` payload octets at `offset`; returns the samples written to `dst`. */
  decode(src: Uint8Array, offset: number, len: number, dst: Int16Array): number;
  /** Encode `count` samples; returns the octets written to `dst` at `offset`. */
  encode(src: Int16Array, count: number, dst: Uint8Array, offset: number): number;
  /** Samples a payload of `octets` decodes to. */
  samplesIn(octets: number): number;
  /** Octets `samples` samples encode to. */
  octetsFor(samples: number): number;
  /** Forget adaptive state (a new, unrelated stream). */
  reset(): void;
}

class UlawCodec implements AudioCodec {
  constructor(readonly format: AudioFormat) {}
  decode(src: Uint8Array, offset: number, len: number, dst: Int16Array): number {
    return decodeUlaw(src, dst, Math.min(len, dst.length), offset, 0);
  }
  encode(src: Int16Array, count: number, dst: Uint8Array, offset: number): number {
    return encodeUlaw(src, dst, count, 0, offset);
  }
  samplesIn(octets: number): number {
    return octets;
  }
  octetsFor(samples: number): number {
    return samples;
  }
  reset(): void {}
}

class AlawCodec implements AudioCodec {
  constructor(readonly format: AudioFormat) {}
  decode(src: Uint8Array, offset: number, len: number, dst: Int16Array): number {
    return decodeAlaw(src, dst, Math.min(len, dst.length), offset, 0);
  }
  encode(src: Int16Array, count: number, dst: Uint8Array, offset: number): number {
    return encodeAlaw(src, dst, count, 0, offset);
  }
  samplesIn(octets: number): number {
    return octets;
  }
  octetsFor(samples: number): number {
    return samples;
  }
  reset(): void {}
}

class G722Codec implements AudioCodec {
  readonly #dec = new G722Decoder();
  readonly #enc = new G722Encoder();
  constructor(readonly format: AudioFormat) {}
  decode(src: Uint8Array, offset: number, len: number, dst: Int16Array): number {
    return this.#dec.decode(src, dst, Math.min(len, dst.length >> 1), offset, 0);
  }
  encode(src: Int16Array, count: number, dst: Uint8Array, offset: number): number {
    return this.#enc.encode(src, dst, count & ~1, 0, offset);
  }
  samplesIn(octets: number): number {
    return octets * 2;
  }
  octetsFor(samples: number): number {
    return samples >> 1;
  }
  reset(): void {
    this.#dec.reset();
    this.#enc.reset();
  }
}

class L16Codec implements AudioCodec {
  constructor(readonly format: AudioFormat) {}
  decode(src: Uint8Array, offset: number, len: number, dst: Int16Array): number {
    const n = Math.min(len >> 1, dst.length);
    for (let i = 0; i < n; i++) {
      const at = offset + 2 * i;
      dst[i] = ((src[at]! << 24) >> 16) | src[at + 1]!; // network byte order, sign from the high octet
    }
    return n;
  }
  encode(src: Int16Array, count: number, dst: Uint8Array, offset: number): number {
    for (let i = 0; i < count; i++) {
      const v = src[i]!;
      dst[offset + 2 * i] = (v >> 8) & 0xff;
      dst[offset + 2 * i + 1] = v & 0xff;
    }
    return 2 * count;
  }
  samplesIn(octets: number): number {
    return octets >> 1;
  }
  octetsFor(samples: number): number {
    return samples * 2;
  }
  reset(): void {}
}

/** A fresh codec state for `format`. */
export function createAudioCodec(format: AudioFormat): AudioCodec {
  switch (format.name) {
    case 'PCMU':
      return new UlawCodec(format);
    case 'PCMA':
      return new AlawCodec(format);
    case 'G722':
      return new G722Codec(format);
    case 'L16':
      return new L16Codec(format);
  }
}

/** Samples in one 20 ms frame at `sampleRate`. */
export function samplesPer20ms(sampleRate: number): number {
  return sampleRate / 50;
}
