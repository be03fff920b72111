// DTMF as RFC 4733 telephone-events (the RTP payload, a receiver that turns a packet stream into
// one key press per event, and the packet plan a sender follows) and as SIP INFO bodies
// (`application/dtmf-relay` "Signal=5\r\nDuration=160", `application/dtmf` "5"), so the media
// layer can translate between the two. Not here: in-band (audio) tone detection, RFC 2198
// redundancy, the SIP transaction that carries an INFO.
//
// Telephone-event payload (RFC 4733 §2.3):
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     event     |E|R| volume    |          duration             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

import { SoftswitchError } from '../common/index.js';

export class DtmfError extends SoftswitchError {
  constructor(message: string) {
    super('ERR_DTMF', message);
  }
}

/** Event codes 0–15 (RFC 4733 §3.2): digits, `*`, `#`, A–D. Event 16 is flash-hook. */
const EVENT_CHARS = '0123456789*#ABCD';
export const DTMF_EVENT_FLASH = 16;
export const TELEPHONE_EVENT_BYTES = 4;

/** The character of a DTMF event code (0–15), or undefined. */
export function dtmfEventToChar(event: number): string | undefined {
  return event >= 0 && event < 16 ? EVENT_CHARS[event] : undefined;
}

/** The event code of a DTMF character (`0`–`9`, `*`, `#`, `A`–`D`, lower case too), or -1. */
export function dtmfCharToEvent(ch: string): number {
  return ch.length === 1 ? EVENT_CHARS.indexOf(ch.toUpperCase()) : -1;
}

export function isDtmfChar(ch: string): boolean {
  return dtmfCharToEvent(ch) >= 0;
}

/** One telephone-event payload. `duration` is in RTP timestamp units, `volume` in -dBm0 (0–63). */
export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

/** Read a telephone-event payload at `offset` into `out` (no allocation). False when shorter than 4 octets. */
export function readTelephoneEvent(buf: Uint8Array, offset: number, len: number, out: TelephoneEvent): boolean {
  if (len < TELEPHONE_EVENT_BYTES || offset + TELEPHONE_EVENT_BYTES > buf.length) return false;
  out.event = buf[offset]!;
  const b1 = buf[offset + 1]!;
  out.end = (b1 & 0x80) !== 0;
  out.volume = b1 & 0x3f;
  out.duration = (buf[offset + 2]! << 8) | buf[offset + 3]!;
  return true;
}

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  const out: TelephoneEvent = { event: 0, end: false, volume: 0, duration: 0 };
  return readTelephoneEvent(payload, 0, payload.length, out) ? out : undefined;
}

/** Write a telephone-event payload at `offset`. Returns the 4 octets written. */
export function writeTelephoneEvent(buf: Uint8Array, offset: number, event: number, end: boolean, volume: number, duration: number): number {
  buf[offset] = event & 0xff;
  buf[offset + 1] = (end ? 0x80 : 0) | (volume & 0x3f);
  const d = Math.max(0, Math.min(0xffff, Math.round(duration)));
  buf[offset + 2] = d >> 8;
  buf[offset + 3] = d & 0xff;
  return TELEPHONE_EVENT_BYTES;
}

// ---- receiving ----

/** One key press, reported once whatever the number of packets that carried it. */
export interface DtmfDigit {
  digit: string;
  event: number;
  /** RTP timestamp of the event's start (identifies the event, RFC 4733 §2.5.1.2). */
  timestamp: number;
  /** Duration in RTP timestamp units (FreeSWITCH's `DTMF-Duration`, in samples at 8 kHz). */
  durationTs: number;
  durationMs: number;
  volume: number;
  /** False when the event was closed by a timeout or by the next event: its end packets were lost. */
  endSeen: boolean;
}

export interface DtmfReceiverOptions {
  /** Clock rate of the telephone-event stream (8000 unless negotiated as telephone-event/48000…). */
  clockRate?: number;
  /** An event without end packets is reported after this much silence (see {@link DtmfReceiver.poll}). */
  timeoutMs?: number;
}

/**
 * Turns received telephone-event packets into exactly one {@link DtmfDigit} per key press: the
 * RTP timestamp identifies an event, updates extend it, the first end packet reports it, and the
 * retransmitted end packets (RFC 4733 §2.5.1.4 sends three) and late duplicates are ignored. An
 * event whose end never arrives is reported when the next event starts or after `timeoutMs`.
 * Flash-hook and non-DTMF events are ignored. Events longer than 65 535 timestamp units (RFC 4733
 * §2.5.1.3 segments) are reported as separate presses.
 */
export class DtmfReceiver {
  readonly clockRate: number;
  readonly timeoutMs: number;
  readonly #onDigit: (digit: DtmfDigit) => void;
  // the event in progress
  #active = false;
  #ts = 0;
  #event = 0;
  #duration = 0;
  #volume = 0;
  #lastSeenMs = 0;
  // the last reported event, to drop its retransmissions
  #reported = false;
  #reportedTs = 0;
  #reportedEvent = -1;
  #count = 0;

  constructor(onDigit: (digit: DtmfDigit) => void, opts: DtmfReceiverOptions = {}) {
    this.#onDigit = onDigit;
    this.clockRate = opts.clockRate ?? 8000;
    this.timeoutMs = opts.timeoutMs ?? 500;
  }

  /** Key presses reported so far. */
  get count(): number {
    return this.#count;
  }

  /** True while an event has started and not been reported. */
  get inProgress(): boolean {
    return this.#active;
  }

  /** Feed one telephone-event packet (its RTP timestamp and payload fields). */
  receive(timestamp: number, ev: TelephoneEvent, nowMs: number): void {
    if (ev.event > 15) return; // flash-hook and tones: not DTMF
    const ts = timestamp >>> 0;
    if (this.#active && ts === this.#ts && ev.event === this.#event) {
      if (ev.duration > this.#duration) this.#duration = ev.duration;
      this.#lastSeenMs = nowMs;
      if (ev.end) this.#finish(true);
      return;
    }
    if (this.#reported) {
      const d = (ts - this.#reportedTs) | 0;
      // a retransmitted end, or a late packet of an event already reported
      if (d < 0 || (d === 0 && ev.event === this.#reportedEvent)) return;
    }
    if (this.#active) {
      // a packet older than the event in progress arrived late: ignore it
      if (((ts - this.#ts) | 0) < 0) return;
      this.#finish(false); // the next event started: its end packets were lost
    }
    this.#active = true;
    this.#ts = ts;
    this.#event = ev.event;
    this.#duration = ev.duration;
    this.#volume = ev.volume;
    this.#lastSeenMs = nowMs;
    if (ev.end) this.#finish(true);
  }

  /** Report an event whose packets stopped without an end packet. Call from a periodic tick. */
  poll(nowMs: number): void {
    if (this.#active && nowMs - this.#lastSeenMs >= this.timeoutMs) this.#finish(false);
  }

  /** Forget the event in progress and the last one reported (new stream, e.g. after a re-INVITE). */
  reset(): void {
    this.#active = false;
    this.#reported = false;
    this.#reportedEvent = -1;
  }

  #finish(endSeen: boolean): void {
    this.#active = false;
    this.#reported = true;
    this.#reportedTs = this.#ts;
    this.#reportedEvent = this.#event;
    this.#count++;
    this.#onDigit({
      digit: EVENT_CHARS[this.#event]!,
      event: this.#event,
      timestamp: this.#ts,
      durationTs: this.#duration,
      durationMs: Math.round((this.#duration * 1000) / this.clockRate),
      volume: this.#volume,
      endSeen,
    });
  }
}

// ---- sending ----

/** One packet of a digit's telephone-event sequence. All share the event's RTP timestamp. */
export interface DtmfPacket {
  payload: Uint8Array;
  /** Marker bit: set on the first packet of the event only (RFC 4733 §2.5.1.1). */
  marker: boolean;
  end: boolean;
  /** When to send it, in ms after the first packet. */
  offsetMs: number;
}

export interface DtmfSendOptions {
  durationMs?: number;
  clockRate?: number;
  /** Interval between updates (the audio packetisation interval). */
  packetMs?: number;
  /** Power level in -dBm0 (RFC 4733: 0–63, typical 10). */
  volume?: number;
  /** Copies of the end packet (RFC 4733 §2.5.1.4 recommends three). */
  endPackets?: number;
}

/** FreeSWITCH's default DTMF duration, `dtmf-duration` 2000 samples at 8 kHz. */
export const DEFAULT_DTMF_DURATION_MS = 250;
export const MIN_DTMF_DURATION_MS = 40;

/**
 * The telephone-event packets for one digit: a start packet with the marker bit, one update per
 * `packetMs` with the duration so far, then `endPackets` end packets carrying the final duration,
 * sent back to back with the last update interval. Durations over 65 535 units are capped.
 */
export function planDtmfPackets(digit: string, opts: DtmfSendOptions = {}): DtmfPacket[] {
  const event = dtmfCharToEvent(digit);
  if (event < 0) throw new DtmfError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  const clockRate = opts.clockRate ?? 8000;
  const packetMs = opts.packetMs ?? 20;
  const volume = opts.volume ?? 10;
  const endPackets = Math.max(1, opts.endPackets ?? 3);
  const durationMs = Math.max(MIN_DTMF_DURATION_MS, opts.durationMs ?? DEFAULT_DTMF_DURATION_MS);
  const total = Math.min(0xffff, Math.round((durationMs * clockRate) / 1000));
  const step = Math.round((packetMs * clockRate) / 1000);
  const packets: DtmfPacket[] = [];
  let k = 0;
  for (let d = step; d < total; d += step, k++) {
    const payload = new Uint8Array(TELEPHONE_EVENT_BYTES);
    writeTelephoneEvent(payload, 0, event, false, volume, d);
    packets.push({ payload, marker: k === 0, end: false, offsetMs: k * packetMs });
  }
  for (let e = 0; e < endPackets; e++) {
    const payload = new Uint8Array(TELEPHONE_EVENT_BYTES);
    writeTelephoneEvent(payload, 0, event, true, volume, total);
    packets.push({ payload, marker: packets.length === 0, end: true, offsetMs: k * packetMs });
  }
  return packets;
}

/** A token of a `send_dtmf` string: a digit, or a pause (`w` = 500 ms, `W` = 1 s, as FreeSWITCH). */
export type DtmfToken = { kind: 'digit'; digit: string } | { kind: 'pause'; ms: number };

/**
 * Parse FreeSWITCH's `send_dtmf` argument, `<digits>[@<duration ms>]`. Spaces are ignored;
 * any other character is an error.
 */
export function parseSendDtmfArgs(arg: string): { tokens: DtmfToken[]; durationMs: number | undefined } {
  const at = arg.lastIndexOf('@');
  let durationMs: number | undefined;
  let digits = arg;
  if (at >= 0) {
    const ms = Number(arg.slice(at + 1).trim());
    if (!Number.isFinite(ms) || ms <= 0) throw new DtmfError(`bad DTMF duration in ${JSON.stringify(arg)}`);
    durationMs = Math.round(ms);
    digits = arg.slice(0, at);
  }
  const tokens: DtmfToken[] = [];
  for (const ch of digits) {
    if (ch === ' ') continue;
    if (ch === 'w') tokens.push({ kind: 'pause', ms: 500 });
    else if (ch === 'W') tokens.push({ kind: 'pause', ms: 1000 });
    else if (isDtmfChar(ch)) tokens.push({ kind: 'digit', digit: ch.toUpperCase() });
    else throw new DtmfError(`not a DTMF digit: ${JSON.stringify(ch)} in ${JSON.stringify(arg)}`);
  }
  return { tokens, durationMs };
}

// ---- SIP INFO bodies ----

export const DTMF_RELAY_CONTENT_TYPE = 'application/dtmf-relay';
export const DTMF_CONTENT_TYPE = 'application/dtmf';

/** A digit carried in a SIP INFO body. `durationMs` is absent when the body gives none. */
export interface InfoDtmf {
  digit: string;
  durationMs: number | undefined;
}

/** A digit from a `Signal=` value: the character, or the event code (`10` → `*`, `11` → `#`). */
function signalToDigit(value: string): string | undefined {
  const v = value.trim();
  if (v.length === 1 && isDtmfChar(v)) return v.toUpperCase();
  if (/^\d{1,2}$/.test(v)) return dtmfEventToChar(Number(v));
  return undefined;
}

/**
 * Parse an `application/dtmf-relay` body (`Signal=5\r\nDuration=160\r\n`): keys in any case,
 * CRLF or LF, spaces around `=`. Undefined when there is no valid Signal.
 */
export function parseDtmfRelay(body: string): InfoDtmf | undefined {
  if (body.length > 4096) return undefined;
  let digit: string | undefined;
  let durationMs: number | undefined;
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (key === 'signal') digit = signalToDigit(value);
    else if (key === 'duration') {
      const ms = Number(value);
      if (Number.isFinite(ms) && ms > 0) durationMs = Math.round(ms);
    }
  }
  return digit === undefined ? undefined : { digit, durationMs };
}

/** Build an `application/dtmf-relay` body. */
export function buildDtmfRelay(digit: string, durationMs: number): string {
  if (!isDtmfChar(digit)) throw new DtmfError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  return `Signal=${digit.toUpperCase()}\r\nDuration=${Math.max(1, Math.round(durationMs))}\r\n`;
}

/**
 * Parse a SIP INFO body by its Content-Type: `application/dtmf-relay`, or `application/dtmf`
 * (the digit alone, or its event code). Undefined for other types or no digit.
 */
export function parseInfoDtmf(contentType: string, body: string): InfoDtmf | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === DTMF_RELAY_CONTENT_TYPE) return parseDtmfRelay(body);
  if (type === DTMF_CONTENT_TYPE) {
    if (body.length > 64) return undefined;
    const digit = signalToDigit(body);
    return digit === undefined ? undefined : { digit, durationMs: undefined };
  }
  return undefined;
}

/** Build a SIP INFO body for a digit (`application/dtmf-relay` unless told otherwise). */
export function buildInfoDtmf(digit: string, durationMs: number, contentType: string = DTMF_RELAY_CONTENT_TYPE): { contentType: string; body: string } {
  if (contentType === DTMF_CONTENT_TYPE) {
    if (!isDtmfChar(digit)) throw new DtmfError(`not a DTMF digit: ${JSON.stringify(digit)}`);
    return { contentType, body: digit.toUpperCase() };
  }
  return { contentType: DTMF_RELAY_CONTENT_TYPE, body: buildDtmfRelay(digit, durationMs) };
}
