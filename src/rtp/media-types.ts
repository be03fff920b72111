// The vocabulary shared by a media endpoint and its users: the remote address from SDP, the
// call layer's handler (media timeout, DTMF, SIP INFO requests), the sink that consumes accepted
// packets, the drop reasons and statistics, and which SDP addresses can be trusted for
// latching. Types and two small helpers only; the behaviour is in media-endpoint.ts.

import { isIP, isIPv4 } from 'node:net';
import { SoftswitchError } from '../common/index.js';
import type { MediaEndpoint } from './media-endpoint.js';

export class MediaAddressError extends SoftswitchError {
  constructor(message: string) {
    super('ERR_MEDIA_ADDRESS', message);
  }
}

/** Where the far end wants media, from its SDP (sdp.ts RemoteMedia has these fields). */
export interface RemoteMediaAddress {
  /** IP literal; 0.0.0.0 / :: (old-style hold) or '' = do not send until latched. */
  address: string;
  /** 0 = the stream is declined or not known yet. */
  port: number;
  rtcpAddress?: string;
  /** Default port + 1. */
  rtcpPort?: number;
  /** RTCP multiplexed on the RTP port (RFC 5761). */
  rtcpMux?: boolean;
}

export interface MediaTimeoutInfo {
  /** Milliseconds without RTP when the timeout fired. */
  silentMs: number;
  timeoutMs: number;
  onHold: boolean;
}

/** A key press detected on a leg: DTMF-Digit, DTMF-Duration (RTP clock units), DTMF-Source. */
export interface DtmfEvent {
  digit: string;
  /** FreeSWITCH's DTMF-Duration: samples at the telephone-event clock (8000 Hz normally). */
  durationSamples: number;
  durationMs: number;
  source: 'RTP';
  /** False when the end packets were lost and the press was closed by a timeout. */
  endSeen: boolean;
}

/** What the call layer implements for an endpoint; every method optional, none may throw (caught and logged). */
export interface MediaEndpointHandler {
  /** No RTP for the timeout (the hold timeout while on hold): hang up with MEDIA_TIMEOUT. Fires once per arming. */
  onMediaTimeout?(ep: MediaEndpoint, info: MediaTimeoutInfo): void;
  /** A key press arrived on this leg as RFC 4733 (default mode). Raise DTMF on the channel. */
  onDtmf?(ep: MediaEndpoint, dtmf: DtmfEvent): void;
  /** Send this digit to this leg's phone as SIP INFO (its DTMF mode is `info`): a bridged partner pressed it, or sendDtmf found no telephone-event. */
  onSendInfoDtmf?(ep: MediaEndpoint, dtmf: { digit: string; durationMs: number }): void;
}

/** The consumer of an endpoint's accepted packets (a relay direction, or the leg's media). */
export interface RtpSink {
  onRtp(buf: Buffer, len: number): void;
  onRtcp(buf: Buffer, len: number): void;
}

/** Drop reasons beyond the RtpCheck codes (indexes into the drop table). @internal */
export const DROP_FOREIGN = 8;
export const DROP_NO_DESTINATION = 9;
export const DROP_SUPPRESSED = 10;
export const DROP_PAUSED = 11;
export const DROP_CLOSED = 12;
export const DROP_RTCP_INVALID = 13;
export const DROP_RTCP_FOREIGN = 14;
export const DROP_NAMES = [
  'ok',
  'tooShort',
  'badVersion',
  'rtcpOnRtpPort',
  'csrcOverrun',
  'extensionOverrun',
  'badPadding',
  'emptyPayload',
  'foreignSource',
  'noDestination',
  'suppressed',
  'paused',
  'closed',
  'rtcpInvalid',
  'rtcpForeignSource',
] as const;
/** RTCP on the RTP port is rtcp-mux, not a drop: its slot in the table stays unused. */
export type MediaDropReason = Exclude<(typeof DROP_NAMES)[number], 'ok' | 'rtcpOnRtpPort'>;

export interface MediaEndpointStats {
  id: number;
  local: { ip: string; port: number; rtcpPort: number; advertisedIp: string };
  remote: { address: string; port: number; rtcpAddress: string; rtcpPort: number; rtcpMux: boolean; trusted: boolean };
  latched: { address: string; port: number; ssrc: number } | undefined;
  rtcpLatched: { address: string; port: number } | undefined;
  rtpIn: number;
  rtpBytesIn: number;
  rtpOut: number;
  rtpBytesOut: number;
  rtcpIn: number;
  rtcpOut: number;
  latches: number;
  relatches: number;
  dropped: Record<MediaDropReason, number>;
  droppedTotal: number;
  mediaTimeouts: number;
  /** Packets whose handling threw (a bug: logged once per endpoint, then counted). */
  handlingErrors: number;
  closed: boolean;
}

/** Addresses whose SDP value says little about where packets come from (NAT, hold, unknown). */
export function isUntrustedSdpAddress(ip: string): boolean {
  if (ip === '' || ip === '0.0.0.0' || ip === '::' || isIP(ip) === 0) return true;
  if (isIPv4(ip)) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
  }
  const head = ip.toLowerCase();
  return head.startsWith('fc') || head.startsWith('fd') || /^fe[89ab]/.test(head);
}
