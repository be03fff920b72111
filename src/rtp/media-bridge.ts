// Default media mode between two legs: what A's phone sends reaches B's phone in B's codec and as
// B's own stream (B's RtpStreamRewriter owns its SSRC, sequence and timestamp, so a transfer or a
// playback in between does not break B's jitter buffer), and back. Per direction, by codecs:
//   same codec        payload type set, header rewritten in place, the Buffer sent as is;
//   PCMU ⇄ PCMA       the payload translated in place through a 256-entry table;
//   anything else     decode → resample (8 ⇄ 16 kHz) → encode into an output buffer of B's.
// RFC 4733 events are relayed re-stamped to a leg that negotiated telephone-event; a leg whose
// DTMF mode is `info` is asked through its handler to send SIP INFO instead (leg-media.ts).
// Not here: RTCP generation (default mode terminates RTCP), mixing (no conference).

import { InvalidStateError } from '../common/index.js';
import { createAudioCodec, type AudioCodec } from './audio-codec.js';
import { ALAW_TO_ULAW, ULAW_TO_ALAW, transcodeG711 } from './g711.js';
import type { BridgeOutput, LegMedia } from './leg-media.js';
import type { MediaEndpoint } from './media-endpoint.js';
import { Resampler } from './resample.js';
import { RTP_HEADER_BYTES, rtpPayloadLength, rtpPayloadOffset, rtpSequence, rtpSsrc, rtpTimestamp, writeRtpHeader } from './rtp-packet.js';

const SAME = 0;
const G711 = 1;
const GENERIC = 2;
/** The largest payload we transcode: 120 ms at 16 kHz. Larger packets are dropped and counted. */
const MAX_SAMPLES = 1920;

export interface BridgeDirectionStats {
  mode: 'same-codec' | 'g711-table' | 'transcode';
  from: string;
  to: string;
  audio: number;
  events: number;
  paused: boolean;
  dropped: number;
}

class BridgeDirection implements BridgeOutput {
  readonly from: LegMedia;
  readonly to: LegMedia;
  paused = false;
  #mode = SAME;
  #table: Uint8Array = ULAW_TO_ALAW;
  #decoder: AudioCodec | undefined;
  #encoder: AudioCodec | undefined;
  #resampler: Resampler | undefined;
  readonly #pcmIn = new Int16Array(MAX_SAMPLES);
  readonly #pcmOut = new Int16Array(2 * MAX_SAMPLES + 2);
  /** to.clockRate / from.clockRate: L16/16000 on one side only. */
  #tsRatio = 1;
  #tsStarted = false;
  #lastInTs = 0;
  #lastOutTs = 0;
  #audio = 0;
  #events = 0;
  #dropped = 0;

  constructor(from: LegMedia, to: LegMedia) {
    this.from = from;
    this.to = to;
    this.refresh();
  }

  refresh(): void {
    const a = this.from.format;
    const b = this.to.format;
    this.#tsRatio = b.clockRate / a.clockRate;
    this.#tsStarted = false;
    this.#decoder = this.#encoder = this.#resampler = undefined;
    if (a.name === b.name && a.clockRate === b.clockRate) this.#mode = SAME;
    else if ((a.name === 'PCMU' && b.name === 'PCMA') || (a.name === 'PCMA' && b.name === 'PCMU')) {
      this.#mode = G711;
      this.#table = a.name === 'PCMU' ? ULAW_TO_ALAW : ALAW_TO_ULAW;
    } else {
      this.#mode = GENERIC;
      this.#decoder = createAudioCodec(a);
      this.#encoder = createAudioCodec(b);
      if (a.sampleRate !== b.sampleRate) this.#resampler = new Resampler(a.sampleRate, b.sampleRate);
    }
  }

  forwardAudio(buf: Buffer, len: number): void {
    if (this.paused) {
      this.to.ep.countDrop('paused');
      return;
    }
    const to = this.to;
    if (to.outputBusy) {
      to.ep.countDrop('suppressed');
      return;
    }
    this.#audio++;
    const pt = to.format.payloadType;
    if (this.#mode === SAME) {
      buf[1] = (buf[1]! & 0x80) | pt;
      to.emitForwarded(buf, len, true);
      return;
    }
    const off = rtpPayloadOffset(buf, len);
    const plen = rtpPayloadLength(buf, len);
    if (this.#mode === G711) {
      transcodeG711(this.#table, buf, off, plen);
      buf[1] = (buf[1]! & 0x80) | pt;
      to.emitForwarded(buf, len, true);
      return;
    }
    const dec = this.#decoder!;
    if (dec.samplesIn(plen) > MAX_SAMPLES) {
      this.#dropped++;
      return;
    }
    const n = dec.decode(buf, off, plen, this.#pcmIn);
    let pcm = this.#pcmIn;
    let m = n;
    if (this.#resampler) {
      m = this.#resampler.process(this.#pcmIn, this.#pcmOut, n);
      pcm = this.#pcmOut;
    }
    const enc = this.#encoder!;
    const out = to.outBuffer(RTP_HEADER_BYTES + enc.octetsFor(m));
    writeRtpHeader(out, pt, (buf[1]! & 0x80) !== 0, rtpSequence(buf), this.#mapTs(rtpTimestamp(buf)), rtpSsrc(buf));
    const bytes = enc.encode(pcm, m, out, RTP_HEADER_BYTES);
    to.emitForwarded(out, RTP_HEADER_BYTES + bytes, true);
  }

  forwardEvent(buf: Buffer, len: number): void {
    const to = this.to;
    const pt = to.dtmfPayloadType;
    if (pt < 0 || to.dtmfMode !== 'rfc2833') return; // INFO legs hear of it through the digit callback
    if (this.paused) {
      to.ep.countDrop('paused');
      return;
    }
    if (to.outputBusy) {
      to.ep.countDrop('suppressed');
      return;
    }
    this.#events++;
    buf[1] = (buf[1]! & 0x80) | pt;
    const ratio = to.dtmfClockRate / this.from.dtmfClockRate;
    if (this.#tsRatio !== 1) {
      const ts = this.#mapTs(rtpTimestamp(buf));
      buf[4] = ts >>> 24;
      buf[5] = (ts >>> 16) & 0xff;
      buf[6] = (ts >>> 8) & 0xff;
      buf[7] = ts & 0xff;
    }
    if (ratio !== 1) {
      // the event's duration field counts the telephone-event clock
      const off = rtpPayloadOffset(buf, len);
      const d = Math.min(0xffff, Math.round((((buf[off + 2]! << 8) | buf[off + 3]!) * ratio)));
      buf[off + 2] = d >> 8;
      buf[off + 3] = d & 0xff;
    }
    to.emitForwarded(buf, len, false);
  }

  /** The source timestamp on the target's clock, continuous across 32-bit wrap. */
  #mapTs(ts: number): number {
    if (this.#tsRatio === 1) return ts;
    if (!this.#tsStarted) {
      this.#tsStarted = true;
      this.#lastInTs = ts;
      this.#lastOutTs = Math.round(ts * this.#tsRatio) >>> 0;
      return this.#lastOutTs;
    }
    const out = (this.#lastOutTs + Math.round(((ts - this.#lastInTs) | 0) * this.#tsRatio)) >>> 0;
    this.#lastInTs = ts;
    this.#lastOutTs = out;
    return out;
  }

  stats(): BridgeDirectionStats {
    return {
      mode: this.#mode === SAME ? 'same-codec' : this.#mode === G711 ? 'g711-table' : 'transcode',
      from: `${this.from.format.name}/${this.from.format.clockRate}`,
      to: `${this.to.format.name}/${this.to.format.clockRate}`,
      audio: this.#audio,
      events: this.#events,
      paused: this.paused,
      dropped: this.#dropped,
    };
  }
}

export class MediaBridge {
  readonly a: MediaEndpoint;
  readonly b: MediaEndpoint;
  readonly #aToB: BridgeDirection;
  readonly #bToA: BridgeDirection;
  readonly #offClose: Array<() => void>;
  #active = true;

  /** Bridge two legs in default mode (MediaEngine.bridge): both need setCodec() first. */
  constructor(a: MediaEndpoint, b: MediaEndpoint) {
    if (a === b) throw new InvalidStateError('cannot bridge an endpoint to itself');
    if (a.closed || b.closed) throw new InvalidStateError('cannot bridge a closed media endpoint');
    const la = a.media;
    const lb = b.media;
    this.a = a;
    this.b = b;
    this.#aToB = new BridgeDirection(la, lb);
    this.#bToA = new BridgeDirection(lb, la);
    la.bridgeOut = this.#aToB;
    lb.bridgeIn = this.#aToB;
    lb.bridgeOut = this.#bToA;
    la.bridgeIn = this.#bToA;
    this.#offClose = [a.onClose(() => this.unbridge()), b.onClose(() => this.unbridge())];
  }

  get active(): boolean {
    return this.#active;
  }

  /** Stop what `from`'s phone sends from reaching the other leg (both ways when omitted). */
  pause(from?: MediaEndpoint): void {
    this.#set(from, true);
  }

  resume(from?: MediaEndpoint): void {
    this.#set(from, false);
  }

  #set(from: MediaEndpoint | undefined, paused: boolean): void {
    if (from !== undefined && from !== this.a && from !== this.b) throw new InvalidStateError('endpoint is not part of this bridge');
    if (from === undefined || from === this.a) this.#aToB.paused = paused;
    if (from === undefined || from === this.b) this.#bToA.paused = paused;
  }

  /** Separate the legs; each keeps its media (players, echo) and its outgoing stream. Idempotent. */
  unbridge(): void {
    if (!this.#active) return;
    this.#active = false;
    for (const off of this.#offClose) off();
    const la = this.#aToB.from;
    const lb = this.#bToA.from;
    if (la.bridgeOut === this.#aToB) la.bridgeOut = null;
    if (lb.bridgeIn === this.#aToB) lb.bridgeIn = null;
    if (lb.bridgeOut === this.#bToA) lb.bridgeOut = null;
    if (la.bridgeIn === this.#bToA) la.bridgeIn = null;
  }

  stats(): { active: boolean; aToB: BridgeDirectionStats; bToA: BridgeDirectionStats } {
    return { active: this.#active, aToB: this.#aToB.stats(), bToA: this.#bToA.stats() };
  }
}
