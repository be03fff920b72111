// RTP and RTCP packets read and written at fixed offsets in the datagram's own bytes (RFC 3550
// §5.1, RFC 5761 §4 for telling RTP from RTCP on one port), for the relay's hot path: no
// objects, no allocation, one or two byte reads to classify. Also the per-leg stream rewriter
// that owns the outgoing sequence number, timestamp and SSRC. Not here: sockets, RTCP report
// contents (werift-rtp parses those off the hot path), SRTP.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|X|  CC   |M|     PT      |       sequence number         |  0
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                           timestamp                           |  4
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           synchronization source (SSRC) identifier            |  8
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |       contributing source (CSRC) identifiers, CC × 4 octets   | 12
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | X: profile (16) | length in 32-bit words (16) | extension…    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | payload …                       | P: padding …, last octet = padding count |

import { randomInt } from 'node:crypto';

export const RTP_HEADER_BYTES = 12;
export const RTP_VERSION = 2;

/** Outcome of {@link checkRtp}: 0 is a usable RTP packet, anything else is a reason to drop it. */
export const RtpCheck = {
  OK: 0,
  /** shorter than the 12-octet fixed header */
  TOO_SHORT: 1,
  /** version bits are not 2 (garbage, STUN, a stray DTLS record…) */
  BAD_VERSION: 2,
  /** an RTCP packet (RFC 5761: second octet 192–223), not RTP */
  RTCP: 3,
  /** the CSRC count points past the end of the datagram */
  CSRC_OVERRUN: 4,
  /** the header extension's length points past the end */
  EXTENSION_OVERRUN: 5,
  /** the padding count is zero or larger than what is left */
  BAD_PADDING: 6,
  /** a valid header with nothing after it */
  EMPTY_PAYLOAD: 7,
} as const;
export type RtpCheckCode = (typeof RtpCheck)[keyof typeof RtpCheck];

const CHECK_NAMES = ['ok', 'too-short', 'bad-version', 'rtcp', 'csrc-overrun', 'extension-overrun', 'bad-padding', 'empty-payload'] as const;
export function rtpCheckName(code: number): string {
  return CHECK_NAMES[code] ?? 'unknown';
}

/** Version 2 and the second octet in RFC 5761's RTCP range (packet types 192–223, e.g. SR 200 … XR 207). */
export function isRtcp(buf: Uint8Array, len = buf.length): boolean {
  if (len < 8) return false; // header (4) + sender SSRC (4)
  const b1 = buf[1]!;
  return buf[0]! >> 6 === RTP_VERSION && b1 >= 192 && b1 <= 223;
}

/** Version 2, at least a fixed header, and not RTCP. Quick classification only: see {@link checkRtp}. */
export function isRtp(buf: Uint8Array, len = buf.length): boolean {
  if (len < RTP_HEADER_BYTES) return false;
  const b1 = buf[1]!;
  return buf[0]! >> 6 === RTP_VERSION && (b1 < 192 || b1 > 223);
}

/**
 * Length of the RTP header (fixed part, CSRCs and extension), or -1 when the CSRC count or the
 * extension length points past `len`. Does not look at the version.
 */
export function rtpHeaderLength(buf: Uint8Array, len = buf.length): number {
  if (len < RTP_HEADER_BYTES) return -1;
  const b0 = buf[0]!;
  let hdr = RTP_HEADER_BYTES + (b0 & 0x0f) * 4;
  if (hdr > len) return -1;
  if (b0 & 0x10) {
    if (hdr + 4 > len) return -1;
    hdr += 4 + ((buf[hdr + 2]! << 8) | buf[hdr + 3]!) * 4;
    if (hdr > len) return -1;
  }
  return hdr;
}

/** Validate a datagram as RTP. Returns {@link RtpCheck.OK} or the reason to drop it. */
export function checkRtp(buf: Uint8Array, len = buf.length): RtpCheckCode {
  if (len < RTP_HEADER_BYTES) return RtpCheck.TOO_SHORT;
  const b0 = buf[0]!;
  if (b0 >> 6 !== RTP_VERSION) return RtpCheck.BAD_VERSION;
  const b1 = buf[1]!;
  if (b1 >= 192 && b1 <= 223) return RtpCheck.RTCP;
  let hdr = RTP_HEADER_BYTES + (b0 & 0x0f) * 4;
  if (hdr > len) return RtpCheck.CSRC_OVERRUN;
  if (b0 & 0x10) {
    if (hdr + 4 > len) return RtpCheck.EXTENSION_OVERRUN;
    hdr += 4 + ((buf[hdr + 2]! << 8) | buf[hdr + 3]!) * 4;
    if (hdr > len) return RtpCheck.EXTENSION_OVERRUN;
  }
  let end = len;
  if (b0 & 0x20) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included
    const pad = buf[len - 1]!;
    if (pad === 0 || pad > len - hdr) return RtpCheck.BAD_PADDING;
    end -= pad;
  }
  if (end <= hdr) return RtpCheck.EMPTY_PAYLOAD;
  return RtpCheck.OK;
}

/** Offset of the payload of a packet that passed {@link checkRtp}. */
export function rtpPayloadOffset(buf: Uint8Array, len = buf.length): number {
  return rtpHeaderLength(buf, len);
}

/** Payload length (padding excluded) of a packet that passed {@link checkRtp}, or -1. */
export function rtpPayloadLength(buf: Uint8Array, len = buf.length): number {
  const hdr = rtpHeaderLength(buf, len);
  if (hdr < 0) return -1;
  const pad = buf[0]! & 0x20 ? buf[len - 1]! : 0;
  return len - hdr - pad;
}

// ---- field access ----

export function rtpVersion(buf: Uint8Array): number {
  return buf[0]! >> 6;
}
export function rtpHasPadding(buf: Uint8Array): boolean {
  return (buf[0]! & 0x20) !== 0;
}
export function rtpHasExtension(buf: Uint8Array): boolean {
  return (buf[0]! & 0x10) !== 0;
}
export function rtpCsrcCount(buf: Uint8Array): number {
  return buf[0]! & 0x0f;
}
export function rtpMarker(buf: Uint8Array): boolean {
  return (buf[1]! & 0x80) !== 0;
}
export function rtpPayloadType(buf: Uint8Array): number {
  return buf[1]! & 0x7f;
}
export function rtpSequence(buf: Uint8Array): number {
  return (buf[2]! << 8) | buf[3]!;
}
export function rtpTimestamp(buf: Uint8Array): number {
  return ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
}
export function rtpSsrc(buf: Uint8Array): number {
  return ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
}

export function setRtpMarker(buf: Uint8Array, marker: boolean): void {
  buf[1] = marker ? buf[1]! | 0x80 : buf[1]! & 0x7f;
}
export function setRtpPayloadType(buf: Uint8Array, pt: number): void {
  buf[1] = (buf[1]! & 0x80) | (pt & 0x7f);
}
export function setRtpSequence(buf: Uint8Array, seq: number): void {
  buf[2] = (seq >> 8) & 0xff;
  buf[3] = seq & 0xff;
}
export function setRtpTimestamp(buf: Uint8Array, ts: number): void {
  buf[4] = (ts >>> 24) & 0xff;
  buf[5] = (ts >>> 16) & 0xff;
  buf[6] = (ts >>> 8) & 0xff;
  buf[7] = ts & 0xff;
}
export function setRtpSsrc(buf: Uint8Array, ssrc: number): void {
  buf[8] = (ssrc >>> 24) & 0xff;
  buf[9] = (ssrc >>> 16) & 0xff;
  buf[10] = (ssrc >>> 8) & 0xff;
  buf[11] = ssrc & 0xff;
}

/**
 * Write a 12-octet RTP header (no CSRC, no extension, no padding) at `offset`, for packets the
 * switch generates itself (playback, tones, transcoded audio). Returns the header length.
 */
export function writeRtpHeader(buf: Uint8Array, pt: number, marker: boolean, seq: number, ts: number, ssrc: number, offset = 0): number {
  buf[offset] = RTP_VERSION << 6;
  buf[offset + 1] = (marker ? 0x80 : 0) | (pt & 0x7f);
  buf[offset + 2] = (seq >> 8) & 0xff;
  buf[offset + 3] = seq & 0xff;
  buf[offset + 4] = (ts >>> 24) & 0xff;
  buf[offset + 5] = (ts >>> 16) & 0xff;
  buf[offset + 6] = (ts >>> 8) & 0xff;
  buf[offset + 7] = ts & 0xff;
  buf[offset + 8] = (ssrc >>> 24) & 0xff;
  buf[offset + 9] = (ssrc >>> 16) & 0xff;
  buf[offset + 10] = (ssrc >>> 8) & 0xff;
  buf[offset + 11] = ssrc & 0xff;
  return RTP_HEADER_BYTES;
}

/** Signed distance a - b between two 16-bit sequence numbers (RFC 1982 style). */
export function seqDelta(a: number, b: number): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}

/** A random 32-bit value suitable for an SSRC or an initial timestamp. */
export function randomUint32(): number {
  return randomInt(0, 0x10000) * 0x10000 + randomInt(0, 0x10000);
}

// ---- the per-leg stream rewriter ----

export interface RtpStreamRewriterOptions {
  /** RTP clock rate of the stream in Hz (8000 for G.711, G.722 and telephone-event/8000). */
  clockRate?: number;
  /** Outgoing SSRC; random when absent. */
  ssrc?: number;
  /** First outgoing sequence number and timestamp; random when absent (RFC 3550 §5.1). */
  sequence?: number;
  timestamp?: number;
  /** Set the marker bit on the first packet after a source change (audio: yes; video: no, M ends a frame). */
  markOnResync?: boolean;
  /** A forward sequence jump larger than this from the same SSRC is treated as a new source. */
  maxDropout?: number;
  /** A backward jump larger than this from the same SSRC is treated as a new source. */
  maxMisorder?: number;
}

/** What {@link RtpStreamRewriter.dump} reports. */
export interface RtpStreamRewriterState {
  ssrc: number;
  sourceSsrc: number | undefined;
  lastSequence: number;
  lastTimestamp: number;
  frameTimestampStep: number;
  packets: number;
  segments: number;
  dropped: number;
}

/**
 * Owns the sequence number, timestamp and SSRC a leg sends, whatever feeds it: the far phone's
 * stream, then a playback, then another phone after a transfer. Within one source, packets keep
 * their spacing (gaps and reordering pass through). When the source changes (new SSRC, a big
 * sequence jump, or an explicit {@link resync}), the next packet continues our sequence at
 * last + 1 and our timestamp by the wall-clock time elapsed (at least one frame), so the far
 * side's jitter buffer sees one continuous stream. Rewrites in place; no allocation per packet.
 */
export class RtpStreamRewriter {
  readonly ssrc: number;
  readonly clockRate: number;
  readonly #markOnResync: boolean;
  readonly #maxDropout: number;
  readonly #maxMisorder: number;

  #active = false;
  #resyncPending = false;
  #nextSeq: number;
  #nextTs: number;
  // mapping of the current source onto our stream
  #srcSsrc = 0;
  #srcLastSeq = 0;
  #srcLastTs = 0;
  #srcLastPt = -1;
  #srcStartSeq = 0;
  #seqOffset = 0;
  #tsOffset = 0;
  // what we last sent
  #lastOutSeq = 0;
  #lastOutTs = 0;
  #lastOutMs = 0;
  #frameTs: number;
  // counters
  #packets = 0;
  #segments = 0;
  #dropped = 0;

  constructor(opts: RtpStreamRewriterOptions = {}) {
    this.clockRate = opts.clockRate ?? 8000;
    this.ssrc = (opts.ssrc ?? randomUint32()) >>> 0;
    this.#nextSeq = (opts.sequence ?? randomInt(0, 0x8000)) & 0xffff;
    this.#nextTs = (opts.timestamp ?? randomUint32()) >>> 0;
    this.#markOnResync = opts.markOnResync ?? true;
    this.#maxDropout = opts.maxDropout ?? 3000;
    this.#maxMisorder = opts.maxMisorder ?? 100;
    this.#frameTs = Math.round(this.clockRate / 50); // 20 ms until packets tell us otherwise
  }

  /** The next packet starts a new segment even if its SSRC is unchanged (the source was switched). */
  resync(): void {
    this.#resyncPending = true;
  }

  /**
   * Rewrite sequence, timestamp and SSRC of a valid RTP packet in place. `nowMs` is a monotonic
   * clock (performance.now()). Returns false when the packet must be dropped: a late packet from
   * before the current source's first packet, which would reuse a sequence number already sent.
   */
  rewrite(buf: Uint8Array, nowMs: number): boolean {
    const inSsrc = rtpSsrc(buf);
    const inSeq = rtpSequence(buf);
    const inTs = rtpTimestamp(buf);
    const inPt = buf[1]! & 0x7f;
    let newSegment = false;
    if (!this.#active || this.#resyncPending || inSsrc !== this.#srcSsrc) {
      newSegment = true;
    } else {
      const d = seqDelta(inSeq, this.#srcLastSeq);
      if (d > this.#maxDropout || d < -this.#maxMisorder) newSegment = true;
      else if (d <= 0) {
        // late or duplicate: forward with the same mapping unless it predates this segment
        if (seqDelta(inSeq, this.#srcStartSeq) < 0) {
          this.#dropped++;
          return false;
        }
        this.#write(buf, inSeq, inTs);
        return true;
      } else if (d === 1 && inPt === this.#srcLastPt) {
        // learn the frame duration from consecutive packets of one payload type
        const dTs = (inTs - this.#srcLastTs) | 0;
        if (dTs > 0 && dTs <= this.clockRate) this.#frameTs = dTs;
      }
    }
    if (newSegment) this.#startSegment(inSsrc, inSeq, inTs, nowMs);
    const outSeq = this.#write(buf, inSeq, inTs);
    if (newSegment && this.#markOnResync) buf[1] = buf[1]! | 0x80;
    this.#srcLastSeq = inSeq;
    this.#srcLastTs = inTs;
    this.#srcLastPt = inPt;
    this.#lastOutSeq = outSeq;
    this.#lastOutTs = (inTs + this.#tsOffset) >>> 0;
    this.#lastOutMs = nowMs;
    return true;
  }

  #write(buf: Uint8Array, inSeq: number, inTs: number): number {
    const outSeq = (inSeq + this.#seqOffset) & 0xffff;
    const outTs = (inTs + this.#tsOffset) >>> 0;
    buf[2] = outSeq >> 8;
    buf[3] = outSeq & 0xff;
    buf[4] = outTs >>> 24;
    buf[5] = (outTs >>> 16) & 0xff;
    buf[6] = (outTs >>> 8) & 0xff;
    buf[7] = outTs & 0xff;
    const ssrc = this.ssrc;
    buf[8] = ssrc >>> 24;
    buf[9] = (ssrc >>> 16) & 0xff;
    buf[10] = (ssrc >>> 8) & 0xff;
    buf[11] = ssrc & 0xff;
    this.#packets++;
    return outSeq;
  }

  #startSegment(inSsrc: number, inSeq: number, inTs: number, nowMs: number): void {
    let seq: number;
    let ts: number;
    if (!this.#active) {
      seq = this.#nextSeq;
      ts = this.#nextTs;
    } else {
      seq = (this.#lastOutSeq + 1) & 0xffff;
      // continue the clock by the time that passed, never less than one frame (no overlap)
      const elapsedTs = Math.round(((nowMs - this.#lastOutMs) * this.clockRate) / 1000);
      ts = (this.#lastOutTs + Math.max(elapsedTs, this.#frameTs)) >>> 0;
    }
    this.#seqOffset = (seq - inSeq) & 0xffff;
    this.#tsOffset = (ts - inTs) >>> 0;
    this.#srcSsrc = inSsrc;
    this.#srcStartSeq = inSeq;
    this.#srcLastPt = -1;
    this.#active = true;
    this.#resyncPending = false;
    this.#segments++;
  }

  dump(): RtpStreamRewriterState {
    return {
      ssrc: this.ssrc,
      sourceSsrc: this.#active ? this.#srcSsrc : undefined,
      lastSequence: this.#active ? this.#lastOutSeq : this.#nextSeq,
      lastTimestamp: this.#active ? this.#lastOutTs : this.#nextTs,
      frameTimestampStep: this.#frameTs,
      packets: this.#packets,
      segments: this.#segments,
      dropped: this.#dropped,
    };
  }
}
