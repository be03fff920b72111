// The media engine: the one object the call layer (b2bua/) holds for RTP. It owns the port
// pools, the shared 20 ms media clock, the housekeeping tick (media timeouts, re-latch windows,
// DTMF end timeouts) and the music-on-hold cache, and joins endpoints in proxy or default mode.
// The call layer decides SDP and modes; the engine moves packets.
//
//   const media = new MediaEngine({ rtpIp, advertisedIp, portStart, portEnd, dataDir, logger });
//   const ep = await media.allocate({ handler });      // PortsExhaustedError → 503
//   ep.setRemote(negotiated.remote);                    // address/port/rtcp from the far SDP
//   ep.setCodec(negotiated.codec, { telephoneEvent, dtmfMode });   // default mode only
//   ep.setMediaTimeout({ timeoutMs, holdTimeoutMs });   // on answer
//   const join = media.proxy(a, b) | media.bridge(a, b);            // join.unbridge()
//   const pb = await ep.media.play('local_stream://moh'); pb.stop();
//   ep.media.echo(); ep.media.sendDtmf('123#'); await media.recordStereo(path, a, b);
//   await ep.close();                                   // on hangup: ports back to the pool
//
// See docs/media.md for the modes, the latching rules, timeouts and counters.

import { join } from 'node:path';
import type { Logger } from '../common/index.js';
import { InvalidStateError } from '../common/index.js';
import { MediaBridge } from './media-bridge.js';
import { MediaClock } from './media-clock.js';
import { MediaEndpoint, type MediaEndpointContext } from './media-endpoint.js';
import type { MediaEndpointHandler, MediaEndpointStats } from './media-types.js';
import { MediaSourceError, loadAudioFile } from './media-sources.js';
import { ensureMusicOnHold } from './moh.js';
import { PortPool, type RtpPortPair } from './port-pool.js';
import { StereoRecording, type StereoRecordingOptions } from './recorder.js';
import { ProxyRelay } from './relay.js';

export interface MediaEngineOptions {
  /** Local IP to bind RTP on (the profile's `rtp-ip`). */
  rtpIp: string;
  /** The address to advertise in SDP (`ext-rtp-ip`), default rtpIp. */
  advertisedIp?: string;
  /** switch.conf `rtp-start-port` / `rtp-end-port` (defaults 16384 / 32768). */
  portStart?: number;
  portEnd?: number;
  /** The data directory: music on hold is generated under `<dataDir>/sounds/music/<rate>/`. */
  dataDir: string;
  logger: Logger;
  timeouts?: {
    /** `rtp-timeout-sec` (0 = none), armed per endpoint by setMediaTimeout(). */
    rtpTimeoutSec?: number;
    /** `rtp-hold-timeout-sec` (0 = none). */
    rtpHoldTimeoutSec?: number;
    /** Re-latch to a new source after the latched one has been silent this long (0 = never). Default 2000. */
    relatchAfterMs?: number;
    /** How long expectNewSource() waits while the old source keeps sending. Default 5000. */
    expectNewSourceMs?: number;
  };
  /** Housekeeping period (media timeout resolution), default 200 ms. */
  housekeepingMs?: number;
  /** Ports the OS may refuse in one allocate() before giving up (default 64). */
  maxBindAttempts?: number;
  /** SO_RCVBUF / SO_SNDBUF per socket (kernel default when absent). */
  socketBufferBytes?: number;
  /** Largest audio file playFile accepts (default 64 MiB). */
  maxFileBytes?: number;
}

export interface AllocateOptions {
  /** Another local IP (a profile with its own `rtp-ip`); its own pool over the same range. */
  rtpIp?: string;
  advertisedIp?: string;
  handler?: MediaEndpointHandler;
  /** The phone is known to be behind NAT: latch on any source whatever the SDP says. */
  nat?: boolean;
}

export interface MediaEngineStats {
  portsInUse: number;
  portCapacity: number;
  portsRefused: number;
  endpoints: number;
  joins: { proxy: number; bridge: number };
  clock: ReturnType<MediaClock['stats']>;
  /** Sums over open endpoints and those already closed. */
  rtpIn: number;
  rtpOut: number;
  rtpBytesIn: number;
  rtpBytesOut: number;
  rtcpIn: number;
  rtcpOut: number;
  dropped: number;
  droppedByReason: Record<string, number>;
  mediaTimeouts: number;
}

type Join = ProxyRelay | MediaBridge;

/** The music on hold's path for a sample rate. */
export function musicOnHoldPath(dataDir: string, sampleRate: number): string {
  return join(dataDir, 'sounds', 'music', String(sampleRate), 'softswitch-moh.wav');
}

export class MediaEngine {
  readonly rtpIp: string;
  readonly advertisedIp: string;
  readonly dataDir: string;
  readonly #opts: MediaEngineOptions;
  readonly #log: Logger;
  readonly #pools = new Map<string, PortPool>();
  readonly #endpoints = new Set<MediaEndpoint>();
  readonly #joins = new Map<MediaEndpoint, Join>();
  readonly #recordings = new Set<StereoRecording>();
  readonly #clock: MediaClock;
  readonly #moh = new Map<number, Promise<Int16Array>>();
  readonly #ctx: MediaEndpointContext;
  readonly #closedTotals = new Map<string, number>();
  #housekeeper: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(opts: MediaEngineOptions) {
    this.#opts = opts;
    this.rtpIp = opts.rtpIp;
    this.advertisedIp = opts.advertisedIp || opts.rtpIp;
    this.dataDir = opts.dataDir;
    this.#log = opts.logger.child({ mod: 'rtp.engine' });
    this.#clock = new MediaClock((err) => this.#log.error({ err }, 'media clock tick failed'));
    this.#pool(opts.rtpIp); // validates the range now rather than on the first call
    this.#ctx = {
      logger: this.#log,
      clock: this.#clock,
      maxFileBytes: opts.maxFileBytes,
      loadMoh: (rate) => this.#loadMoh(rate),
      release: (_ep, pair) => this.#release(pair),
      closed: (ep) => this.#endpointClosed(ep),
    };
  }

  #pool(ip: string): PortPool {
    let pool = this.#pools.get(ip);
    if (!pool) {
      pool = new PortPool({
        ip,
        start: this.#opts.portStart ?? 16384,
        end: this.#opts.portEnd ?? 32768,
        maxBindAttempts: this.#opts.maxBindAttempts,
        recvBufferBytes: this.#opts.socketBufferBytes,
        sendBufferBytes: this.#opts.socketBufferBytes,
      });
      this.#pools.set(ip, pool);
    }
    return pool;
  }

  /**
   * Bind an RTP/RTCP pair for one media stream of one leg. Throws PortsExhaustedError (answer
   * 503, cause NORMAL_TEMPORARY_FAILURE) or RtpBindError; never leaves a half-bound pair.
   */
  async allocate(opts: AllocateOptions = {}): Promise<MediaEndpoint> {
    if (this.#closing) throw new InvalidStateError('media engine is closed');
    const ip = opts.rtpIp ?? this.rtpIp;
    const pair = await this.#pool(ip).allocate();
    if (this.#closing) {
      await this.#pool(ip).release(pair);
      throw new InvalidStateError('media engine is closed');
    }
    const t = this.#opts.timeouts ?? {};
    const ep = new MediaEndpoint(pair, this.#ctx, {
      advertisedIp: opts.advertisedIp ?? (opts.rtpIp ? undefined : this.advertisedIp),
      timeoutMs: (t.rtpTimeoutSec ?? 0) * 1000,
      holdTimeoutMs: (t.rtpHoldTimeoutSec ?? 0) * 1000,
      relatchAfterMs: t.relatchAfterMs,
      expectNewSourceMs: t.expectNewSourceMs,
      handler: opts.handler,
    });
    if (opts.nat) ep.setNat(true);
    this.#endpoints.add(ep);
    this.#startHousekeeping();
    return ep;
  }

  /** Proxy media between two endpoints (any codec, packets untouched). Ends a previous join of either. */
  proxy(a: MediaEndpoint, b: MediaEndpoint): ProxyRelay {
    this.#unjoin(a);
    this.#unjoin(b);
    const relay = new ProxyRelay(a, b);
    this.#joins.set(a, relay);
    this.#joins.set(b, relay);
    return relay;
  }

  /** Default-mode bridge (both endpoints need setCodec()); transcodes when codecs differ. Ends a previous join of either. */
  bridge(a: MediaEndpoint, b: MediaEndpoint): MediaBridge {
    this.#unjoin(a);
    this.#unjoin(b);
    const bridge = new MediaBridge(a, b);
    this.#joins.set(a, bridge);
    this.#joins.set(b, bridge);
    return bridge;
  }

  /** The relay or bridge an endpoint is part of, if any. */
  joinOf(ep: MediaEndpoint): Join | undefined {
    const j = this.#joins.get(ep);
    return j?.active ? j : undefined;
  }

  #unjoin(ep: MediaEndpoint): void {
    const j = this.#joins.get(ep);
    if (!j) return;
    j.unbridge();
    this.#joins.delete(j.a);
    this.#joins.delete(j.b);
  }

  /**
   * Record in stereo: left = what `left`'s phone sends, right = what `right`'s phone sends, or,
   * without `right`, what `left`'s phone hears (record_session on an unbridged leg). Both need
   * setCodec(). The recording stops when either endpoint closes, at `maxSec`, or on stop().
   */
  async recordStereo(path: string, left: MediaEndpoint, right?: MediaEndpoint, opts: StereoRecordingOptions = {}): Promise<StereoRecording> {
    const lm = left.media;
    const rm = (right ?? left).media;
    const rate = opts.sampleRate ?? (lm.format.sampleRate > 8000 || rm.format.sampleRate > 8000 ? 16000 : 8000);
    const rec = await StereoRecording.start(path, { point: lm, direction: 'in' }, { point: rm, direction: right ? 'in' : 'out' }, this.#clock, { ...opts, sampleRate: rate });
    if (left.closed || right?.closed) {
      await rec.stop();
      throw new InvalidStateError('cannot record a closed media endpoint');
    }
    this.#recordings.add(rec);
    const stop = () => void rec.stop().catch((err: unknown) => this.#log.error({ err, path }, 'recording failed'));
    const offs = [left.onClose(stop), ...(right ? [right.onClose(stop)] : [])];
    void rec.finished.then(() => {
      this.#recordings.delete(rec);
      for (const off of offs) off();
    });
    return rec;
  }

  /** Generate the music-on-hold files (8 and 16 kHz) now rather than on first use. */
  async prepareMusicOnHold(): Promise<string[]> {
    await Promise.all([this.#loadMoh(8000), this.#loadMoh(16000)]);
    return [musicOnHoldPath(this.dataDir, 8000), musicOnHoldPath(this.dataDir, 16000)];
  }

  #loadMoh(rate: number): Promise<Int16Array> {
    let p = this.#moh.get(rate);
    if (!p) {
      const path = musicOnHoldPath(this.dataDir, rate);
      p = (async () => {
        try {
          const { created } = await ensureMusicOnHold(path, { sampleRate: rate });
          if (created) this.#log.info({ path }, 'generated music on hold');
        } catch (err) {
          throw new MediaSourceError('not-found', `cannot create music on hold at ${path}: ${(err as Error).message}`, { cause: err });
        }
        return loadAudioFile(path, rate);
      })();
      p.catch(() => this.#moh.delete(rate));
      this.#moh.set(rate, p);
    }
    return p;
  }

  #startHousekeeping(): void {
    if (this.#housekeeper) return;
    this.#housekeeper = setInterval(() => {
      const now = performance.now();
      for (const ep of this.#endpoints) ep.housekeep(now);
    }, this.#opts.housekeepingMs ?? 200);
    this.#housekeeper.unref();
  }

  async #release(pair: RtpPortPair): Promise<void> {
    await this.#pool(pair.ip).release(pair);
  }

  #endpointClosed(ep: MediaEndpoint): void {
    this.#endpoints.delete(ep);
    this.#unjoin(ep);
    const s = ep.stats();
    const add = (k: string, v: number) => this.#closedTotals.set(k, (this.#closedTotals.get(k) ?? 0) + v);
    add('rtpIn', s.rtpIn);
    add('rtpOut', s.rtpOut);
    add('rtpBytesIn', s.rtpBytesIn);
    add('rtpBytesOut', s.rtpBytesOut);
    add('rtcpIn', s.rtcpIn);
    add('rtcpOut', s.rtcpOut);
    add('mediaTimeouts', s.mediaTimeouts);
    for (const [k, v] of Object.entries(s.dropped)) add(`drop.${k}`, v);
    if (this.#endpoints.size === 0 && this.#housekeeper) {
      clearInterval(this.#housekeeper);
      this.#housekeeper = undefined;
    }
  }

  /** Open endpoints (a copy). */
  endpoints(): MediaEndpoint[] {
    return [...this.#endpoints];
  }

  stats(): MediaEngineStats {
    const t = (k: string) => this.#closedTotals.get(k) ?? 0;
    const out: MediaEngineStats = {
      portsInUse: 0,
      portCapacity: 0,
      portsRefused: 0,
      endpoints: this.#endpoints.size,
      joins: { proxy: 0, bridge: 0 },
      clock: this.#clock.stats(),
      rtpIn: t('rtpIn'),
      rtpOut: t('rtpOut'),
      rtpBytesIn: t('rtpBytesIn'),
      rtpBytesOut: t('rtpBytesOut'),
      rtcpIn: t('rtcpIn'),
      rtcpOut: t('rtcpOut'),
      dropped: 0,
      droppedByReason: {},
      mediaTimeouts: t('mediaTimeouts'),
    };
    for (const [k, v] of this.#closedTotals) if (k.startsWith('drop.')) out.droppedByReason[k.slice(5)] = v;
    for (const pool of this.#pools.values()) {
      out.portsInUse += pool.inUse;
      out.portCapacity += pool.capacity;
      out.portsRefused += pool.refused;
    }
    const seen = new Set<Join>();
    for (const j of this.#joins.values()) {
      if (!j.active || seen.has(j)) continue;
      seen.add(j);
      if (j instanceof ProxyRelay) out.joins.proxy++;
      else out.joins.bridge++;
    }
    for (const ep of this.#endpoints) {
      const s: MediaEndpointStats = ep.stats();
      out.rtpIn += s.rtpIn;
      out.rtpOut += s.rtpOut;
      out.rtpBytesIn += s.rtpBytesIn;
      out.rtpBytesOut += s.rtpBytesOut;
      out.rtcpIn += s.rtcpIn;
      out.rtcpOut += s.rtcpOut;
      out.mediaTimeouts += s.mediaTimeouts;
      for (const [k, v] of Object.entries(s.dropped)) out.droppedByReason[k] = (out.droppedByReason[k] ?? 0) + v;
    }
    for (const v of Object.values(out.droppedByReason)) out.dropped += v;
    return out;
  }

  /** Stop every recording, close every endpoint (ports back), stop the timers. Idempotent. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = (async () => {
        await Promise.allSettled([...this.#recordings].map((r) => r.stop()));
        await Promise.allSettled([...this.#endpoints].map((ep) => ep.close()));
        if (this.#housekeeper) clearInterval(this.#housekeeper);
        this.#housekeeper = undefined;
        this.#clock.stop();
      })();
    }
    return this.#closing;
  }
}
