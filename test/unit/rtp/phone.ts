// A fake phone for the media engine tests: a real UDP socket on loopback that sends RTP/RTCP
// built with werift-rtp and records what it receives, plus helpers to make an engine on a
// random port range and to wait for conditions. Test helper only.

import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtpHeader, RtpPacket } from 'werift-rtp';
import { silentLogger } from '../../../src/common/index.js';
import { MediaEngine, type MediaEngineOptions } from '../../../src/rtp/index.js';

export interface Received {
  buf: Buffer;
  from: { address: string; port: number };
  atMs: number;
}

export class Phone {
  readonly sock: dgram.Socket;
  readonly received: Received[] = [];
  port = 0;
  address: string;
  seq = 1000;
  ts = 50000;
  ssrc: number;

  private constructor(address: string, ssrc: number) {
    this.address = address;
    this.ssrc = ssrc;
    this.sock = dgram.createSocket('udp4');
    this.sock.on('message', (buf, rinfo) => this.received.push({ buf, from: { address: rinfo.address, port: rinfo.port }, atMs: performance.now() }));
  }

  static async open(address = '127.0.0.1', ssrc = 0x11110000 + Math.floor(Math.random() * 0xffff)): Promise<Phone> {
    const p = new Phone(address, ssrc);
    await new Promise<void>((resolve, reject) => {
      p.sock.once('error', reject);
      p.sock.bind(0, address, () => resolve());
    });
    p.port = p.sock.address().port;
    return p;
  }

  /** Send a datagram as is. */
  sendRaw(buf: Uint8Array, port: number, address = '127.0.0.1'): void {
    this.sock.send(buf, port, address);
  }

  /** Build and send one RTP packet; sequence and timestamp advance unless given. */
  sendRtp(port: number, opts: { pt?: number; payload?: Uint8Array; marker?: boolean; ssrc?: number; seq?: number; ts?: number; tsStep?: number } = {}): Buffer {
    const payload = Buffer.from(opts.payload ?? new Uint8Array(160).fill(0xff));
    const header = new RtpHeader({
      payloadType: opts.pt ?? 0,
      marker: opts.marker ?? false,
      sequenceNumber: opts.seq ?? this.seq,
      timestamp: opts.ts ?? this.ts,
      ssrc: opts.ssrc ?? this.ssrc,
    });
    const buf = new RtpPacket(header, payload).serialize();
    if (opts.seq === undefined) this.seq = (this.seq + 1) & 0xffff;
    if (opts.ts === undefined) this.ts = (this.ts + (opts.tsStep ?? 160)) >>> 0;
    this.sock.send(buf, port, '127.0.0.1');
    return buf;
  }

  /** Received RTP (not RTCP) packets. */
  rtp(): Received[] {
    return this.received.filter((r) => r.buf.length >= 12 && !(r.buf[1]! >= 192 && r.buf[1]! <= 223));
  }

  clear(): void {
    this.received.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}

/** Resolve once `cond()` holds, polling every 5 ms; reject after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 2000, what: string | (() => string) = 'condition'): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port range of `pairs` pairs somewhere in 40000–59999, so parallel test files rarely meet. */
export function randomRange(pairs: number): { portStart: number; portEnd: number } {
  const portStart = 40000 + 2 * Math.floor(Math.random() * 9000);
  return { portStart, portEnd: portStart + 2 * pairs - 1 };
}

export async function makeEngine(opts: Partial<MediaEngineOptions> & { pairs?: number } = {}): Promise<{ engine: MediaEngine; dataDir: string; cleanup: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rtp-engine-'));
  const engine = new MediaEngine({ rtpIp: '127.0.0.1', dataDir, logger: silentLogger, housekeepingMs: 50, ...randomRange(opts.pairs ?? 20), ...opts });
  return {
    engine,
    dataDir,
    cleanup: async () => {
      await engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Payload of an RTP packet (no CSRC/extension/padding in what the switch sends). */
export function payloadOf(buf: Buffer): Buffer {
  return buf.subarray(12);
}
