// One call leg's media stream on the switch: a bound RTP/RTCP port pair, the remote address the
// SDP gave, symmetric RTP with latching (send where the phone's packets really come from, RFC
// 4961 and the NAT practice behind it), per-reason counters, and the media timeout. Incoming
// datagrams are classified with a byte or two, validated at fixed offsets (rtp-packet.ts) and
// handed to the endpoint's sink: a proxy relay (relay.ts) or the leg's default-mode media
// (leg-media.ts). The receive and send paths allocate nothing and never await. Not here: codecs,
// players, SDP.
//
// Latching rules (docs/media.md):
//  1. Before the first packet, RTP goes to the SDP address. The SDP address is *trusted* when it
//     is a public or loopback address and the call layer did not flag the leg as NATed.
//  2. Learning: the first valid RTP packet latches its source (address and port) when the SDP is
//     untrusted (private, CGNAT, link-local, 0.0.0.0, absent, or NAT flagged), or, when trusted,
//     when it comes from the SDP's IP (any port: symmetric NAT may rewrite it).
//  3. After latching only the latched source is accepted; other sources are dropped and counted
//     (no media hijack) unless (a) expectNewSource() was called since (re-INVITE, transfer: the
//     call layer calls it, and setRemote with a changed address calls it) and the packet passes
//     rule 2 against the current SDP, or (b) the latched source has been silent for
//     `relatchAfterMs` (default 2000; 0 disables) and the packet passes rule 2.
//  4. An SSRC change from the latched source is accepted as is (hold, transfer behind the peer).
//  5. RTCP latches separately on port + 1 by the same rules, restricted to the RTP peer's IP
//     once RTP is latched; it unlatches when RTP re-latches.

import { isIP } from 'node:net';
import type { RemoteInfo, Socket } from 'node:dgram';
import { InvalidStateError, type Logger } from '../common/index.js';
import { audioFormatOf } from './audio-codec.js';
import { LegMedia, type LegMediaContext, type TelephoneEventFormat } from './leg-media.js';
import type { RtpPortPair } from './port-pool.js';
import { RtpCheck, checkRtp, isRtcp, rtpSsrc } from './rtp-packet.js';
import type { DtmfMode } from './sdp-negotiate.js';
import {
  DROP_CLOSED,
  DROP_FOREIGN,
  DROP_NAMES,
  DROP_NO_DESTINATION,
  DROP_PAUSED,
  DROP_RTCP_FOREIGN,
  DROP_RTCP_INVALID,
  DROP_SUPPRESSED,
  MediaAddressError,
  isUntrustedSdpAddress,
  type MediaDropReason,
  type MediaEndpointHandler,
  type MediaEndpointStats,
  type RemoteMediaAddress,
  type RtpSink,
} from './media-types.js';

/** What the endpoint needs from its engine (the shared clock and music on hold among it). */
export interface MediaEndpointContext extends LegMediaContext {
  logger: Logger;
  release(ep: MediaEndpoint, pair: RtpPortPair): Promise<void>;
  /** Called on close so the engine forgets the endpoint (housekeeping, stats totals). */
  closed(ep: MediaEndpoint): void;
}

export interface MediaEndpointOptions {
  /** The address to put in SDP (`ext-rtp-ip`), default the bound IP. */
  advertisedIp?: string;
  /** Media timeout in ms (`rtp-timeout-sec` × 1000); 0 = none. Armed by {@link MediaEndpoint.setMediaTimeout}. */
  timeoutMs?: number;
  holdTimeoutMs?: number;
  relatchAfterMs?: number;
  /** How long expectNewSource() stays armed while the old source keeps sending (default 5000). */
  expectNewSourceMs?: number;
  handler?: MediaEndpointHandler;
}

let nextEndpointId = 1;

export class MediaEndpoint {
  readonly id = nextEndpointId++;
  /** Bound address and ports. */
  readonly localIp: string;
  readonly port: number;
  readonly rtcpPort: number;
  /** The address for our SDP's c= line (`ext-rtp-ip` when set). */
  readonly advertisedIp: string;

  readonly #pair: RtpPortPair;
  readonly #rtpSock: Socket;
  readonly #rtcpSock: Socket;
  readonly #ctx: MediaEndpointContext;
  #handler: MediaEndpointHandler;

  // remote, from SDP
  #remoteIp = '';
  #remotePort = 0;
  #remoteRtcpIp = '';
  #remoteRtcpPort = 0;
  #rtcpMux = false;
  #nat = false;
  #sdpTrusted = false;
  // latching
  #peerIp = '';
  #peerPort = -1;
  #peerSsrc = 0;
  #rtcpPeerIp = '';
  #rtcpPeerPort = -1;
  #expectNew = false;
  #expectSinceMs = 0;
  #expectRxMark = 0;
  readonly #relatchAfterMs: number;
  readonly #expectNewSourceMs: number;
  // where we send
  #dstIp = '';
  #dstPort = 0;
  #rtcpDstIp = '';
  #rtcpDstPort = 0;
  // who consumes what we accept
  #sink: RtpSink | null = null;
  #relaySink: RtpSink | null = null;
  #mediaSink: RtpSink | null = null;
  /** A player, echo or DTMF sender owns what this leg sends: relayed packets are dropped. */
  #outputBlocked = false;
  // counters
  #rtpIn = 0;
  #rtpBytesIn = 0;
  #rtpOut = 0;
  #rtpBytesOut = 0;
  #rtcpIn = 0;
  #rtcpOut = 0;
  #latches = 0;
  #relatches = 0;
  readonly #drops = new Float64Array(DROP_NAMES.length);
  // activity and media timeout (checked by the engine's housekeeping tick, not per packet)
  #rxAtCheck = 0;
  #lastActivityMs: number;
  #timeoutMs: number;
  #holdTimeoutMs: number;
  #onHold = false;
  #timeoutArmed = false;
  #timeoutArmedMs = 0;
  #mediaTimeouts = 0;
  #sinkErrors = 0;
  #media: LegMedia | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #closeHooks = new Set<() => void>();

  /** Created by MediaEngine.allocate(). */
  constructor(pair: RtpPortPair, ctx: MediaEndpointContext, opts: MediaEndpointOptions = {}) {
    this.#pair = pair;
    this.#ctx = ctx;
    this.localIp = pair.ip;
    this.port = pair.port;
    this.rtcpPort = pair.rtcpPort;
    this.advertisedIp = opts.advertisedIp || pair.ip;
    this.#handler = opts.handler ?? {};
    this.#timeoutMs = Math.max(0, opts.timeoutMs ?? 0);
    this.#holdTimeoutMs = Math.max(0, opts.holdTimeoutMs ?? 0);
    this.#relatchAfterMs = Math.max(0, opts.relatchAfterMs ?? 2000);
    this.#expectNewSourceMs = Math.max(0, opts.expectNewSourceMs ?? 5000);
    this.#lastActivityMs = performance.now();
    this.#rtpSock = pair.rtp.socket;
    this.#rtcpSock = pair.rtcp.socket;
    this.#rtpSock.on('message', this.#onRtpMessage);
    this.#rtcpSock.on('message', this.#onRtcpMessage);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get handler(): MediaEndpointHandler {
    return this.#handler;
  }

  /** Replace the call layer's handler (a transfer moves the leg to another channel). */
  setHandler(handler: MediaEndpointHandler): void {
    this.#handler = handler;
  }

  /** The latched RTP source, if any. */
  get latched(): { address: string; port: number } | undefined {
    return this.#peerPort >= 0 ? { address: this.#peerIp, port: this.#peerPort } : undefined;
  }

  // ---- control path ----

  /**
   * Set (or change) the remote address from the far end's SDP. An IP literal is required (the
   * call layer resolves names); a changed address arms expectNewSource().
   */
  setRemote(remote: RemoteMediaAddress): void {
    this.#assertOpen('setRemote');
    const ip = remote.address.trim();
    if (ip !== '' && isIP(ip) === 0) throw new MediaAddressError(`remote media address must be an IP literal, got ${JSON.stringify(remote.address)}`);
    const port = Math.trunc(remote.port);
    if (!(port >= 0 && port <= 65535)) throw new MediaAddressError(`bad remote media port ${remote.port}`);
    const rtcpIp = (remote.rtcpAddress ?? '').trim() || ip;
    if (isIP(rtcpIp) === 0 && rtcpIp !== '') throw new MediaAddressError(`remote RTCP address must be an IP literal, got ${JSON.stringify(remote.rtcpAddress)}`);
    if (ip !== '' && ip !== '0.0.0.0' && ip !== '::' && isIP(ip) !== isIP(this.localIp)) {
      throw new MediaAddressError(`remote media address ${ip} is not of the family of the local ${this.localIp}`);
    }
    const rtcpPort = remote.rtcpPort !== undefined ? Math.trunc(remote.rtcpPort) : port > 0 ? port + 1 : 0;
    const changed = this.#remoteIp !== '' && (ip !== this.#remoteIp || port !== this.#remotePort);
    this.#remoteIp = ip;
    this.#remotePort = port;
    this.#remoteRtcpIp = rtcpIp;
    this.#remoteRtcpPort = rtcpPort >= 0 && rtcpPort <= 65535 ? rtcpPort : 0;
    this.#rtcpMux = remote.rtcpMux === true;
    this.#sdpTrusted = !this.#nat && !isUntrustedSdpAddress(ip);
    if (changed && this.#peerPort >= 0) this.expectNewSource();
    this.#updateDestinations();
  }

  /** The phone is behind NAT (the call layer knows from registration): learn from any source. */
  setNat(nat: boolean): void {
    this.#nat = nat;
    this.#sdpTrusted = !nat && !isUntrustedSdpAddress(this.#remoteIp);
  }

  /**
   * The SDP was renegotiated (re-INVITE after hold, transfer): the next valid packet from a new
   * source (rule 2 against the current SDP) re-latches. Stays armed until that happens, or for
   * `expectNewSourceMs` while the current source keeps sending.
   */
  expectNewSource(): void {
    this.#expectNew = true;
    this.#expectSinceMs = performance.now();
    this.#expectRxMark = this.#rtpIn;
  }

  /**
   * Arm the media timeout (call it on answer): no RTP for `timeoutMs` (or `holdTimeoutMs` while
   * on hold) calls the handler's onMediaTimeout once. 0 disables. Counting starts now.
   */
  setMediaTimeout(opts: { timeoutMs?: number; holdTimeoutMs?: number } = {}): void {
    if (opts.timeoutMs !== undefined) this.#timeoutMs = Math.max(0, opts.timeoutMs);
    if (opts.holdTimeoutMs !== undefined) this.#holdTimeoutMs = Math.max(0, opts.holdTimeoutMs);
    this.#timeoutArmed = true;
    this.#timeoutArmedMs = performance.now();
  }

  /** The call is on hold (its timeout becomes the hold timeout; the count restarts). */
  setOnHold(onHold: boolean): void {
    if (this.#onHold === onHold) return;
    this.#onHold = onHold;
    this.#timeoutArmedMs = performance.now();
  }

  get onHold(): boolean {
    return this.#onHold;
  }

  /** Run `hook` once when the endpoint closes (relays, bridges and recorders detach this way). */
  onClose(hook: () => void): () => void {
    this.#closeHooks.add(hook);
    return () => this.#closeHooks.delete(hook);
  }

  /** Close the sockets and return the ports. Idempotent: later calls return the same promise. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      this.#sink = this.#relaySink = this.#mediaSink = null;
      this.#rtpSock.removeListener('message', this.#onRtpMessage);
      this.#rtcpSock.removeListener('message', this.#onRtcpMessage);
      for (const hook of [...this.#closeHooks]) {
        try {
          hook();
        } catch (err) {
          this.#ctx.logger.error({ err, ep: this.id }, 'media endpoint close hook failed');
        }
      }
      this.#closeHooks.clear();
      this.#media?.close();
      this.#ctx.closed(this);
      this.#closing = this.#ctx.release(this, this.#pair);
    }
    return this.#closing;
  }

  // ---- default mode ----

  /**
   * Terminate this stream's media with the negotiated codec (default mode): PCMU, PCMA, G722,
   * L16/8000 or L16/16000, plus telephone-event when negotiated. Call again after a re-INVITE
   * changes it. Returns the leg's media (players, echo, DTMF), also at {@link media}. Throws
   * UnsupportedCodecError for a codec we cannot terminate (proxy it instead).
   */
  setCodec(codec: { name: string; payloadType: number; clockRate: number }, opts: { telephoneEvent?: TelephoneEventFormat; dtmfMode?: DtmfMode } = {}): LegMedia {
    this.#assertOpen('setCodec');
    const format = audioFormatOf(codec);
    const te = opts.telephoneEvent ? { payloadType: opts.telephoneEvent.payloadType, clockRate: opts.telephoneEvent.clockRate } : undefined;
    const mode = opts.dtmfMode ?? 'rfc2833';
    if (this.#media) this.#media.setFormat(format, te, mode);
    else {
      this.#media = new LegMedia(this, this.#ctx, format, te, mode);
      this.setMediaSink(this.#media);
    }
    return this.#media;
  }

  /** True once setCodec() was called. */
  get hasMedia(): boolean {
    return this.#media !== undefined;
  }

  /** The leg's default-mode media: players, echo, DTMF. Throws InvalidStateError before setCodec(). */
  get media(): LegMedia {
    if (!this.#media) throw new InvalidStateError(`media endpoint on port ${this.port} has no codec: call setCodec() first (default mode)`);
    return this.#media;
  }

  // ---- wiring (relay.ts, leg-media.ts) ----

  /** @internal The proxy relay's sink; it wins over the leg's media while set. */
  setRelaySink(sink: RtpSink | null): void {
    this.#relaySink = this.#closed ? null : sink;
    this.#sink = this.#relaySink ?? this.#mediaSink;
  }

  /** @internal Remove `sink` if it is still the relay sink (a later relay may have replaced it). */
  clearRelaySink(sink: RtpSink): void {
    if (this.#relaySink === sink) this.setRelaySink(null);
  }

  /** @internal The leg's default-mode media. */
  setMediaSink(sink: RtpSink | null): void {
    this.#mediaSink = this.#closed ? null : sink;
    this.#sink = this.#relaySink ?? this.#mediaSink;
  }

  /** @internal While true, packets relayed to this leg are dropped (a player owns the output). */
  setOutputBlocked(blocked: boolean): void {
    this.#outputBlocked = blocked;
  }

  get outputBlocked(): boolean {
    return this.#outputBlocked;
  }

  /** @internal Count a drop decided by a relay or the leg's media. */
  countDrop(reason: 'paused' | 'suppressed'): void {
    this.#drops[reason === 'paused' ? DROP_PAUSED : DROP_SUPPRESSED]++;
  }

  // ---- hot path: receive ----

  readonly #onRtpMessage = (buf: Buffer, rinfo: RemoteInfo): void => {
    const len = buf.length;
    const code = checkRtp(buf, len);
    if (code !== RtpCheck.OK) {
      if (code === RtpCheck.RTCP) this.#onMuxedRtcp(buf, rinfo);
      else this.#drops[code]++;
      return;
    }
    if (rinfo.port !== this.#peerPort || rinfo.address !== this.#peerIp) {
      if (!this.#admitRtpSource(buf, rinfo)) return;
    }
    this.#rtpIn++;
    this.#rtpBytesIn += len;
    const sink = this.#sink;
    if (sink === null) return;
    try {
      sink.onRtp(buf, len);
    } catch (err) {
      this.#sinkFailed(err);
    }
  };

  readonly #onRtcpMessage = (buf: Buffer, rinfo: RemoteInfo): void => {
    const len = buf.length;
    if (!isRtcp(buf, len)) {
      this.#drops[DROP_RTCP_INVALID]++;
      return;
    }
    if (rinfo.port !== this.#rtcpPeerPort || rinfo.address !== this.#rtcpPeerIp) {
      if (!this.#admitRtcpSource(rinfo)) return;
    }
    this.#rtcpIn++;
    const sink = this.#sink;
    if (sink === null) return;
    try {
      sink.onRtcp(buf, len);
    } catch (err) {
      this.#sinkFailed(err);
    }
  };

  /** RTCP on the RTP port (rtcp-mux): accepted from the latched RTP source only. */
  #onMuxedRtcp(buf: Buffer, rinfo: RemoteInfo): void {
    if (!isRtcp(buf, buf.length)) {
      this.#drops[DROP_RTCP_INVALID]++;
      return;
    }
    if (rinfo.port !== this.#peerPort || rinfo.address !== this.#peerIp) {
      this.#drops[DROP_RTCP_FOREIGN]++;
      return;
    }
    this.#rtcpIn++;
    const sink = this.#sink;
    if (sink === null) return;
    try {
      sink.onRtcp(buf, buf.length);
    } catch (err) {
      this.#sinkFailed(err);
    }
  }

  /** Nothing throws out of a socket callback: count, and log the first failure of this endpoint only. */
  #sinkFailed(err: unknown): void {
    if (this.#sinkErrors++ === 0) this.#ctx.logger.error({ err, ep: this.id, port: this.port }, 'media packet handling failed; further failures on this endpoint are only counted');
  }

  /** Rules 2 and 3: may this new source (re)latch? Off the per-packet path: runs only for a source change. */
  #admitRtpSource(buf: Buffer, rinfo: RemoteInfo): boolean {
    if (this.#peerPort >= 0) {
      const now = performance.now();
      const mayRelatch = this.#expectNew || (this.#relatchAfterMs > 0 && this.#peerSilentMs(now) >= this.#relatchAfterMs);
      if (!mayRelatch) {
        this.#drops[DROP_FOREIGN]++;
        return false;
      }
    }
    if (this.#sdpTrusted && rinfo.address !== this.#remoteIp) {
      this.#drops[DROP_FOREIGN]++;
      return false;
    }
    if (this.#peerPort >= 0) this.#relatches++;
    else this.#latches++;
    this.#peerIp = rinfo.address;
    this.#peerPort = rinfo.port;
    this.#peerSsrc = rtpSsrc(buf);
    this.#expectNew = false;
    // RTCP follows RTP to its new home
    this.#rtcpPeerIp = '';
    this.#rtcpPeerPort = -1;
    this.#lastActivityMs = performance.now();
    this.#rxAtCheck = this.#rtpIn;
    this.#updateDestinations();
    return true;
  }

  #admitRtcpSource(rinfo: RemoteInfo): boolean {
    const ok =
      this.#rtcpPeerPort < 0 &&
      (this.#peerPort >= 0 ? rinfo.address === this.#peerIp : !this.#sdpTrusted || rinfo.address === this.#remoteRtcpIp || rinfo.address === this.#remoteIp);
    if (!ok) {
      this.#drops[DROP_RTCP_FOREIGN]++;
      return false;
    }
    this.#rtcpPeerIp = rinfo.address;
    this.#rtcpPeerPort = rinfo.port;
    this.#updateDestinations();
    return true;
  }

  #peerSilentMs(now: number): number {
    // packets counted since the last housekeeping check mean the peer spoke within one tick
    if (this.#rtpIn !== this.#rxAtCheck) return 0;
    return now - this.#lastActivityMs;
  }

  #updateDestinations(): void {
    if (this.#remoteIp === '0.0.0.0' || this.#remoteIp === '::') {
      // RFC 3264 §8.4 old-style hold: the far end asked not to be sent anything
      this.#dstIp = this.#rtcpDstIp = '';
      this.#dstPort = this.#rtcpDstPort = 0;
      return;
    }
    if (this.#peerPort >= 0) {
      this.#dstIp = this.#peerIp;
      this.#dstPort = this.#peerPort;
    } else if (this.#remotePort > 0 && this.#remoteIp !== '' && this.#remoteIp !== '0.0.0.0' && this.#remoteIp !== '::') {
      this.#dstIp = this.#remoteIp;
      this.#dstPort = this.#remotePort;
    } else {
      this.#dstIp = '';
      this.#dstPort = 0;
    }
    if (this.#rtcpMux) {
      this.#rtcpDstIp = this.#dstIp;
      this.#rtcpDstPort = this.#dstPort;
    } else if (this.#rtcpPeerPort >= 0) {
      this.#rtcpDstIp = this.#rtcpPeerIp;
      this.#rtcpDstPort = this.#rtcpPeerPort;
    } else if (this.#peerPort >= 0 && (!this.#sdpTrusted || this.#remoteRtcpPort === 0)) {
      // behind NAT the SDP's RTCP port means nothing outside: guess the latched port + 1
      this.#rtcpDstIp = this.#peerIp;
      this.#rtcpDstPort = this.#peerPort + 1 <= 65535 ? this.#peerPort + 1 : 0;
    } else if (this.#remoteRtcpPort > 0 && this.#dstPort > 0) {
      this.#rtcpDstIp = this.#peerPort >= 0 ? this.#peerIp : this.#remoteRtcpIp;
      this.#rtcpDstPort = this.#remoteRtcpPort;
    } else {
      this.#rtcpDstIp = '';
      this.#rtcpDstPort = 0;
    }
  }

  // ---- hot path: send ----

  /** Forward a relayed RTP packet as is (proxy mode): dropped while a player owns the output. */
  forwardRtp(buf: Buffer): void {
    if (this.#outputBlocked) {
      this.#drops[DROP_SUPPRESSED]++;
      return;
    }
    this.sendRtp(buf, buf.length);
  }

  /** Send `len` octets of `buf` to the latched source (or the SDP address before latching). */
  sendRtp(buf: Buffer, len: number): void {
    const port = this.#dstPort;
    if (port === 0 || this.#closed) {
      this.#drops[this.#closed ? DROP_CLOSED : DROP_NO_DESTINATION]++;
      return;
    }
    if (len === buf.length) this.#rtpSock.send(buf, port, this.#dstIp);
    else this.#rtpSock.send(buf, 0, len, port, this.#dstIp);
    this.#rtpOut++;
    this.#rtpBytesOut += len;
  }

  /** Send an RTCP packet to the latched RTCP source, the RTP source's port + 1 behind NAT, or the SDP's RTCP address. */
  sendRtcp(buf: Buffer, len: number): void {
    const port = this.#rtcpDstPort;
    if (port === 0 || this.#closed) {
      this.#drops[this.#closed ? DROP_CLOSED : DROP_NO_DESTINATION]++;
      return;
    }
    const sock = this.#rtcpMux ? this.#rtpSock : this.#rtcpSock;
    if (len === buf.length) sock.send(buf, port, this.#rtcpDstIp);
    else sock.send(buf, 0, len, port, this.#rtcpDstIp);
    this.#rtcpOut++;
  }

  // ---- housekeeping (engine tick) ----

  /** @internal Called by the engine every housekeeping tick: activity, expectNewSource window, media timeout. */
  housekeep(now: number): void {
    if (this.#closed) return;
    this.#media?.housekeep(now);
    if (this.#rtpIn !== this.#rxAtCheck) {
      this.#rxAtCheck = this.#rtpIn;
      this.#lastActivityMs = now;
    }
    if (this.#expectNew && now - this.#expectSinceMs >= this.#expectNewSourceMs && this.#rtpIn !== this.#expectRxMark && now - this.#lastActivityMs < this.#expectNewSourceMs) {
      // the old source kept talking all along: nobody new is coming
      this.#expectNew = false;
    }
    if (!this.#timeoutArmed) return;
    const limit = this.#onHold ? this.#holdTimeoutMs : this.#timeoutMs;
    if (limit <= 0) return;
    const silentMs = now - Math.max(this.#lastActivityMs, this.#timeoutArmedMs);
    if (silentMs >= limit) {
      this.#timeoutArmed = false; // once
      this.#mediaTimeouts++;
      const fn = this.#handler.onMediaTimeout;
      if (fn) {
        try {
          fn.call(this.#handler, this, { silentMs: Math.round(silentMs), timeoutMs: limit, onHold: this.#onHold });
        } catch (err) {
          this.#ctx.logger.error({ err, ep: this.id }, 'media timeout handler failed');
        }
      }
    }
  }

  /** @internal Deliver an event to the handler, catching its throw. */
  notify<K extends keyof MediaEndpointHandler>(method: K, arg: Parameters<NonNullable<MediaEndpointHandler[K]>>[1]): void {
    const h = this.#handler;
    const fn = h[method] as ((ep: MediaEndpoint, a: unknown) => void) | undefined;
    if (!fn) return;
    try {
      fn.call(h, this, arg);
    } catch (err) {
      this.#ctx.logger.error({ err, ep: this.id, method }, 'media handler failed');
    }
  }

  stats(): MediaEndpointStats {
    const dropped = {} as Record<MediaDropReason, number>;
    let total = 0;
    for (let i = 1; i < DROP_NAMES.length; i++) {
      if (i === RtpCheck.RTCP) continue;
      dropped[DROP_NAMES[i] as MediaDropReason] = this.#drops[i]!;
      total += this.#drops[i]!;
    }
    return {
      id: this.id,
      local: { ip: this.localIp, port: this.port, rtcpPort: this.rtcpPort, advertisedIp: this.advertisedIp },
      remote: {
        address: this.#remoteIp,
        port: this.#remotePort,
        rtcpAddress: this.#remoteRtcpIp,
        rtcpPort: this.#remoteRtcpPort,
        rtcpMux: this.#rtcpMux,
        trusted: this.#sdpTrusted,
      },
      latched: this.#peerPort >= 0 ? { address: this.#peerIp, port: this.#peerPort, ssrc: this.#peerSsrc } : undefined,
      rtcpLatched: this.#rtcpPeerPort >= 0 ? { address: this.#rtcpPeerIp, port: this.#rtcpPeerPort } : undefined,
      rtpIn: this.#rtpIn,
      rtpBytesIn: this.#rtpBytesIn,
      rtpOut: this.#rtpOut,
      rtpBytesOut: this.#rtpBytesOut,
      rtcpIn: this.#rtcpIn,
      rtcpOut: this.#rtcpOut,
      latches: this.#latches,
      relatches: this.#relatches,
      dropped,
      droppedTotal: total,
      mediaTimeouts: this.#mediaTimeouts,
      handlingErrors: this.#sinkErrors,
      closed: this.#closed,
    };
  }

  #assertOpen(what: string): void {
    if (this.#closed) throw new InvalidStateError(`${what} on a closed media endpoint (port ${this.port})`);
  }
}
