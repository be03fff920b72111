// SDP (RFC 4566) as the media layer reads and writes it: parse with sdp-transform (bounded and
// validated), describe each m-line as the plain facts negotiation needs (address, ports, codecs
// with static payload types resolved, direction, hold), and build our own offers and answers
// from a small spec. Negotiation is in sdp-negotiate.ts, proxy-mode rewriting in sdp-rewrite.ts.
// Not here: ICE, SRTP keys (SDES/DTLS), T.38.

import sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { SoftswitchError } from '../common/index.js';
import { STATIC_PAYLOAD_TYPES, isTelephoneEvent, type SdpCodec } from './sdp-codecs.js';

export type { SessionDescription, MediaDescription } from 'sdp-transform';

export class SdpParseError extends SoftswitchError {
  constructor(message: string) {
    super('ERR_SDP_PARSE', message);
  }
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** SDP bodies larger than this are refused (a call's SDP is a few hundred bytes to a few KiB). */
export const MAX_SDP_BYTES = 64 * 1024;
const MAX_MEDIA = 16;

/**
 * Parse an SDP body. Throws {@link SdpParseError} when it is not SDP version 0, is too large,
 * has no origin, or has an m-line with a bad port or no connection address.
 */
export function parseSdp(text: string): SessionDescription {
  if (text.length > MAX_SDP_BYTES) throw new SdpParseError(`SDP larger than ${MAX_SDP_BYTES} bytes`);
  const body = text.replace(/^\uFEFF/, '').replace(/^\s+/, '');
  if (!body.startsWith('v=0')) throw new SdpParseError('SDP must start with v=0');
  let sd: SessionDescription;
  try {
    sd = sdpTransform.parse(body);
  } catch (err) {
    throw new SdpParseError(`unparsable SDP: ${(err as Error).message}`);
  }
  if (!sd.origin || typeof sd.origin.address !== 'string') throw new SdpParseError('SDP has no o= line');
  if (!Array.isArray(sd.media)) sd.media = [];
  if (sd.media.length > MAX_MEDIA) throw new SdpParseError(`SDP has ${sd.media.length} m-lines, more than ${MAX_MEDIA}`);
  sd.media.forEach((m, i) => {
    if (typeof m.type !== 'string' || typeof m.protocol !== 'string') throw new SdpParseError(`m-line ${i} is malformed`);
    if (!Number.isInteger(m.port) || m.port < 0 || m.port > 65535) throw new SdpParseError(`m-line ${i} has a bad port`);
    // sdp-transform gives a number when there is a single format
    m.payloads = m.payloads === undefined ? '' : String(m.payloads);
    if (m.port !== 0 && !m.connection?.ip && !sd.connection?.ip) throw new SdpParseError(`m-line ${i} has no connection address`);
  });
  return sd;
}

/** The facts about one m-line of a remote SDP. */
export interface RemoteMedia {
  index: number;
  type: string;
  protocol: string;
  /** 0 = the stream is declined or removed (RFC 3264 §5.1, §8.2). */
  port: number;
  address: string;
  ipVersion: 4 | 6;
  rtcpPort: number;
  rtcpAddress: string;
  rtcpMux: boolean;
  /** Formats in m-line order, static payload types resolved, telephone-event excluded. */
  codecs: SdpCodec[];
  telephoneEvents: SdpCodec[];
  /** The direction attribute (media level, else session level, else sendrecv). */
  direction: MediaDirection;
  /** What the sender means, with the old hold `c=0.0.0.0` folded in (it will not receive). */
  effectiveDirection: MediaDirection;
  /** sendonly, inactive or c=0.0.0.0: the sender put this stream on hold. */
  hold: boolean;
  ptimeMs: number | undefined;
  maxptimeMs: number | undefined;
  /** Secure profile (RTP/SAVP, UDP/TLS/RTP/SAVPF…): needs SRTP, which we do not do. */
  secure: boolean;
}

function isNullAddress(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || ip === '0:0:0:0:0:0:0:0';
}

/** Describe every m-line of a parsed SDP. */
export function describeMedia(sd: SessionDescription): RemoteMedia[] {
  return sd.media.map((m, index) => describeOne(sd, m, index));
}

function describeOne(sd: SessionDescription, m: MediaDescription, index: number): RemoteMedia {
  const conn = m.connection ?? sd.connection;
  const address = conn?.ip ?? '';
  const ipVersion: 4 | 6 = conn?.version === 6 || address.includes(':') ? 6 : 4;
  const codecs: SdpCodec[] = [];
  const telephoneEvents: SdpCodec[] = [];
  const formats = String(m.payloads ?? '')
    .split(/\s+/)
    .filter((f) => f !== '');
  for (const f of formats) {
    const pt = Number(f);
    if (!Number.isInteger(pt) || pt < 0 || pt > 127) continue;
    const map = m.rtp?.find((r) => r.payload === pt);
    const stat = STATIC_PAYLOAD_TYPES.get(pt);
    let codec: SdpCodec;
    if (map) {
      codec = { payloadType: pt, name: map.codec, clockRate: map.rate ?? stat?.clockRate ?? 8000 };
      if (map.encoding !== undefined && Number(map.encoding) > 1) codec.channels = Number(map.encoding);
    } else if (stat) {
      codec = { payloadType: pt, name: stat.name, clockRate: stat.clockRate };
      if (stat.channels) codec.channels = stat.channels;
    } else continue; // a dynamic type without rtpmap means nothing
    const fmtp = m.fmtp?.find((x) => x.payload === pt);
    if (fmtp) codec.fmtp = fmtp.config;
    const fb = m.rtcpFb?.filter((x) => String(x.payload) === String(pt) || x.payload === '*');
    if (fb && fb.length > 0) codec.rtcpFb = fb.map((x) => (x.subtype ? `${x.type} ${x.subtype}` : x.type));
    (isTelephoneEvent(codec) ? telephoneEvents : codecs).push(codec);
  }
  const direction: MediaDirection = m.direction ?? sd.direction ?? 'sendrecv';
  let effectiveDirection = direction;
  if (isNullAddress(address)) {
    // RFC 3264 §8.4: the old way to hold: the offerer cannot receive
    effectiveDirection = direction === 'sendrecv' ? 'sendonly' : direction === 'recvonly' ? 'inactive' : direction;
  }
  const rtcpMux = m.rtcpMux === 'rtcp-mux';
  return {
    index,
    type: m.type,
    protocol: m.protocol,
    port: m.port,
    address,
    ipVersion,
    rtcpPort: m.rtcp?.port ?? (rtcpMux ? m.port : m.port === 0 ? 0 : m.port + 1),
    rtcpAddress: m.rtcp?.address ?? address,
    rtcpMux,
    codecs,
    telephoneEvents,
    direction,
    effectiveDirection,
    hold: m.port !== 0 && (effectiveDirection === 'sendonly' || effectiveDirection === 'inactive'),
    ptimeMs: m.ptime !== undefined ? Number(m.ptime) : undefined,
    maxptimeMs: m.maxptime !== undefined ? Number(m.maxptime) : undefined,
    secure: /SAVP/i.test(m.protocol),
  };
}

/** True when an SDP puts its audio on hold (§5.4: sendonly, inactive or c=0.0.0.0). */
export function isHoldSdp(sd: SessionDescription): boolean {
  const audio = describeMedia(sd).filter((m) => m.type === 'audio' && m.port !== 0);
  return audio.length > 0 && audio.every((m) => m.hold);
}

/** The direction an answer mirrors (RFC 3264 §6.1): sendonly ⇄ recvonly, others unchanged. */
export function mirrorDirection(d: MediaDirection): MediaDirection {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

/**
 * Our answer's direction for an offer's (effective) direction, limited by what we want:
 * we send only if they receive and we want to send, we receive only if they send and we want to.
 */
export function answerDirection(offered: MediaDirection, local: MediaDirection = 'sendrecv'): MediaDirection {
  const theyReceive = offered === 'sendrecv' || offered === 'recvonly';
  const theySend = offered === 'sendrecv' || offered === 'sendonly';
  const weSend = theyReceive && (local === 'sendrecv' || local === 'sendonly');
  const weReceive = theySend && (local === 'sendrecv' || local === 'recvonly');
  return weSend ? (weReceive ? 'sendrecv' : 'sendonly') : weReceive ? 'recvonly' : 'inactive';
}

// ---- building our own SDP ----

/** One m-line we write. */
export interface LocalMediaSpec {
  type: string;
  /** 0 declines the stream. */
  port: number;
  protocol?: string;
  codecs: SdpCodec[];
  telephoneEvent?: SdpCodec;
  ptimeMs?: number;
  direction?: MediaDirection;
  /** Write `a=rtcp:<port>` (RFC 3605) when set. */
  rtcpPort?: number;
  rtcpMux?: boolean;
  /** For a declined stream: the offer's formats, echoed as RFC 3264 §6 asks. */
  declinedFormats?: string;
}

/** A whole SDP we write (offer or answer). */
export interface LocalSdpSpec {
  /** Our media address (IPv4 or IPv6 literal). */
  address: string;
  /** o= session id and version: bump the version on every change within a dialog (RFC 3264 §8). */
  sessionId: string | number;
  sessionVersion: number;
  username?: string;
  sessionName?: string;
  media: LocalMediaSpec[];
}

/** Write an SDP (CRLF line ends, RFC 4566 order). */
export function buildSdp(spec: LocalSdpSpec): string {
  const ipVer = spec.address.includes(':') ? 6 : 4;
  const lines: string[] = [
    'v=0',
    `o=${spec.username ?? '-'} ${spec.sessionId} ${spec.sessionVersion} IN IP${ipVer} ${spec.address}`,
    `s=${spec.sessionName ?? '-'}`,
    `c=IN IP${ipVer} ${spec.address}`,
    't=0 0',
  ];
  for (const m of spec.media) {
    const protocol = m.protocol ?? 'RTP/AVP';
    if (m.port === 0) {
      const formats = m.declinedFormats?.trim() || m.codecs.map((c) => c.payloadType).join(' ') || '0';
      lines.push(`m=${m.type} 0 ${protocol} ${formats}`);
      continue;
    }
    const all = m.telephoneEvent ? [...m.codecs, m.telephoneEvent] : m.codecs;
    lines.push(`m=${m.type} ${m.port} ${protocol} ${all.map((c) => c.payloadType).join(' ')}`);
    for (const c of all) {
      lines.push(`a=rtpmap:${c.payloadType} ${c.name}/${c.clockRate}${c.channels && c.channels > 1 ? `/${c.channels}` : ''}`);
      if (c.fmtp) lines.push(`a=fmtp:${c.payloadType} ${c.fmtp}`);
      for (const fb of c.rtcpFb ?? []) lines.push(`a=rtcp-fb:${c.payloadType} ${fb}`);
    }
    if (m.ptimeMs !== undefined) lines.push(`a=ptime:${m.ptimeMs}`);
    if (m.rtcpPort !== undefined && !m.rtcpMux) lines.push(`a=rtcp:${m.rtcpPort}`);
    if (m.rtcpMux) lines.push('a=rtcp-mux');
    lines.push(`a=${m.direction ?? 'sendrecv'}`);
  }
  return lines.join('\r\n') + '\r\n';
}
