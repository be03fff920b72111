// The RTP port pool: even RTP ports with RTCP on port + 1 (RFC 3550 §11) inside the core's
// `rtp-start-port`..`rtp-end-port` (switch.conf, defaults 16384–32768), bound on one local IP
// through dgram-as-promised on the control path. Allocation walks the range round-robin (a port
// just released is reused last, so stray packets of an old call do not land in a new one), skips
// pairs the OS refuses (another process holds them) a bounded number of times, and throws
// PortsExhaustedError when nothing is left; the call layer answers 503 NORMAL_TEMPORARY_FAILURE.
// Not here: what flows through the sockets (media-endpoint.ts).

import { isIPv6 } from 'node:net';
import DgramAsPromised, { type SocketAsPromised } from 'dgram-as-promised';
import { SoftswitchError } from '../common/index.js';

/** No free RTP/RTCP pair in the range: the call fails with 503 / NORMAL_TEMPORARY_FAILURE. */
export class PortsExhaustedError extends SoftswitchError {
  readonly inUse: number;
  readonly capacity: number;
  constructor(message: string, inUse: number, capacity: number, options?: { cause?: unknown }) {
    super('ERR_RTP_PORTS_EXHAUSTED', message, options);
    this.inUse = inUse;
    this.capacity = capacity;
  }
}

/** The RTP IP cannot be bound at all (not an address of this host, permission…). */
export class RtpBindError extends SoftswitchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_RTP_BIND', message, options);
  }
}

/** A bound RTP socket and its RTCP companion. */
export interface RtpPortPair {
  readonly ip: string;
  readonly port: number;
  readonly rtcpPort: number;
  readonly rtp: SocketAsPromised;
  readonly rtcp: SocketAsPromised;
}

export interface PortPoolOptions {
  /** Local IP to bind (the profile's `rtp-ip`). */
  ip: string;
  /** First and last port of the range, inclusive (`rtp-start-port`, `rtp-end-port`). */
  start: number;
  end: number;
  /** Pairs the OS may refuse in one allocate() before it gives up (default 64). */
  maxBindAttempts?: number;
  /** SO_RCVBUF / SO_SNDBUF for every socket, bytes (kernel default when absent). */
  recvBufferBytes?: number;
  sendBufferBytes?: number;
}

const FREE = 0;
const IN_USE = 1;
/** Errors that mean "this port, not the next one": try another pair. */
const RETRYABLE = new Set(['EADDRINUSE', 'EACCES']);

/**
 * The destination is always an IP literal of the socket's family (a latched source, or an SDP
 * address the endpoint checked), so the socket's lookup answers at once: dgram's default
 * dns.lookup would defer every send by a process.nextTick and a closure. dgram passes the
 * socket's family (4 or 6) as the second argument.
 */
function literalLookup(address: string, family: number, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, family);
}

/** Sockets for RTP and RTCP: dgram through dgram-as-promised, IPv4 or IPv6 after the IP. */
export function createMediaSocket(ip: string, opts: { recvBufferBytes?: number; sendBufferBytes?: number } = {}): SocketAsPromised {
  return DgramAsPromised.createSocket({
    type: isIPv6(ip) ? 'udp6' : 'udp4',
    lookup: literalLookup as never,
    ...(opts.recvBufferBytes ? { recvBufferSize: opts.recvBufferBytes } : {}),
    ...(opts.sendBufferBytes ? { sendBufferSize: opts.sendBufferBytes } : {}),
  });
}

async function closeQuietly(sock: SocketAsPromised | undefined): Promise<void> {
  if (!sock) return;
  try {
    await sock.close();
  } catch {
    // never bound, or already closed: nothing to release
  }
}

/** Even RTP ports with RTCP = port + 1 on one IP. */
export class PortPool {
  readonly ip: string;
  /** First RTP port (even) and the last one whose RTCP port is still in the range. */
  readonly firstPort: number;
  readonly lastPort: number;
  readonly capacity: number;
  readonly #maxBindAttempts: number;
  readonly #sockOpts: { recvBufferBytes?: number; sendBufferBytes?: number };
  readonly #state: Uint8Array;
  #cursor = 0;
  #inUse = 0;
  #refused = 0;

  constructor(opts: PortPoolOptions) {
    const start = Math.trunc(opts.start);
    const end = Math.trunc(opts.end);
    if (!(start >= 1 && end <= 65535 && end > start)) throw new RtpBindError(`bad RTP port range ${opts.start}-${opts.end}`);
    this.ip = opts.ip;
    this.firstPort = start % 2 === 0 ? start : start + 1;
    const last = end % 2 === 0 ? end - 2 : end - 1; // RTCP (last + 1) must stay ≤ end
    this.lastPort = last;
    this.capacity = last >= this.firstPort ? (last - this.firstPort) / 2 + 1 : 0;
    this.#maxBindAttempts = Math.max(1, opts.maxBindAttempts ?? 64);
    this.#sockOpts = { recvBufferBytes: opts.recvBufferBytes, sendBufferBytes: opts.sendBufferBytes };
    this.#state = new Uint8Array(this.capacity);
  }

  /** Pairs handed out and not released. */
  get inUse(): number {
    return this.#inUse;
  }

  /** Pairs the OS refused to bind so far (held by another process). */
  get refused(): number {
    return this.#refused;
  }

  /**
   * Bind the next free pair. Throws PortsExhaustedError when every pair is taken or the OS
   * refused `maxBindAttempts` of them in a row, RtpBindError when the IP cannot be bound at all.
   */
  async allocate(): Promise<RtpPortPair> {
    let attempts = 0;
    let lastErr: unknown;
    for (let scanned = 0; scanned < this.capacity && attempts < this.#maxBindAttempts; scanned++) {
      const idx = this.#cursor;
      this.#cursor = idx + 1 === this.capacity ? 0 : idx + 1;
      if (this.#state[idx] !== FREE) continue;
      // reserve before awaiting, so a concurrent allocate() does not pick the same pair
      this.#state[idx] = IN_USE;
      this.#inUse++;
      try {
        return await this.#bindPair(this.firstPort + 2 * idx);
      } catch (err) {
        this.#state[idx] = FREE;
        this.#inUse--;
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (!RETRYABLE.has(code)) throw new RtpBindError(`cannot bind RTP on ${this.ip}: ${(err as Error).message}`, { cause: err });
        this.#refused++;
        attempts++;
        lastErr = err;
      }
    }
    const why = attempts >= this.#maxBindAttempts ? `; ${attempts} pairs refused by the OS` : '';
    throw new PortsExhaustedError(
      `no free RTP port pair on ${this.ip} in ${this.firstPort}-${this.lastPort + 1} (${this.#inUse} of ${this.capacity} in use${why})`,
      this.#inUse,
      this.capacity,
      lastErr === undefined ? undefined : { cause: lastErr },
    );
  }

  /** Close both sockets and return the pair to the pool. A pair released twice is released once. */
  async release(pair: RtpPortPair): Promise<void> {
    const idx = (pair.port - this.firstPort) / 2;
    await Promise.all([closeQuietly(pair.rtp), closeQuietly(pair.rtcp)]);
    if (Number.isInteger(idx) && idx >= 0 && idx < this.capacity && this.#state[idx] === IN_USE) {
      this.#state[idx] = FREE;
      this.#inUse--;
    }
  }

  async #bindPair(port: number): Promise<RtpPortPair> {
    let rtp: SocketAsPromised | undefined;
    let rtcp: SocketAsPromised | undefined;
    try {
      rtp = createMediaSocket(this.ip, this.#sockOpts);
      await rtp.bind({ port, address: this.ip, exclusive: true });
      rtcp = createMediaSocket(this.ip, this.#sockOpts);
      await rtcp.bind({ port: port + 1, address: this.ip, exclusive: true });
    } catch (err) {
      await Promise.all([closeQuietly(rtp), closeQuietly(rtcp)]);
      throw err;
    }
    return { ip: this.ip, port, rtcpPort: port + 1, rtp, rtcp };
  }
}
