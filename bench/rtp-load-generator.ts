// The RTP load generator of bench/rtp-relay-bench.ts, run as a child process so its CPU is not
// the relay's: it plays 2·N phones (N calls, one phone per leg) sending 50 packets/s each to
// the switch's endpoints, phases spread evenly over the 20 ms period, and receives what the
// switch relays back. Each packet carries its send time in an RTP header extension (which the
// relay forwards untouched in proxy mode and in place in PCMU⇄PCMA mode), so the latency of
// every packet is measured on one clock. The phones share a few sockets (the switch latches
// each endpoint on its own; a socket per phone would only make the generator slower).
// Driven over IPC by the bench; loopback only; every run bounded in time.

import dgram from 'node:dgram';

export type GeneratorCommand =
  | { type: 'setup'; targets: number[]; payloadTypes: number[]; sockets: number }
  | { type: 'run'; warmupMs: number; durationMs: number; drainMs: number; ratePerPhone: number; direct: boolean }
  | { type: 'teardown' }
  | { type: 'exit' };

export type GeneratorReply =
  | { type: 'ready'; sources: number[]; peers: number[] }
  | { type: 'result'; sent: number; received: number; due: number; maxBacklog: number; histogram: number[]; bucketUs: number; cpuPct: number; outOfWindow: number }
  | { type: 'closed' };

/** Latency histogram: 10 µs buckets up to 200 ms. */
const BUCKET_US = 10;
const BUCKETS = 20_000;
const PAYLOAD_BYTES = 160;
const PACKET_BYTES = 12 + 4 + 8 + PAYLOAD_BYTES;

const literalLookup = (address: string, _family: unknown, cb: (err: Error | null, address: string, family: number) => void) => cb(null, address, 4);

let sockets: dgram.Socket[] = [];
let phoneSocket: number[] = [];
let phoneTarget: number[] = [];
let phonePackets: Buffer[] = [];
let phoneSeq: Uint16Array = new Uint16Array(0);
let phoneTs: Uint32Array = new Uint32Array(0);
const histogram = new Uint32Array(BUCKETS);
let windowStart = Infinity;
let windowEnd = -Infinity;
let received = 0;
let outOfWindow = 0;

function onMessage(buf: Buffer): void {
  if (buf.length < 24 || (buf[0]! & 0x10) === 0) return;
  const sentAt = buf.readDoubleLE(16);
  if (sentAt < windowStart || sentAt >= windowEnd) {
    outOfWindow++;
    return;
  }
  received++;
  const us = (performance.now() - sentAt) * 1000;
  const b = Math.floor(us / BUCKET_US);
  histogram[b < BUCKETS ? (b < 0 ? 0 : b) : BUCKETS - 1]!++;
}

async function setup(targets: number[], payloadTypes: number[], socketCount: number): Promise<GeneratorReply> {
  const n = targets.length;
  const m = Math.max(2, Math.min(socketCount, n));
  sockets = [];
  for (let i = 0; i < m; i++) {
    const s = dgram.createSocket({ type: 'udp4', lookup: literalLookup as never, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    s.on('message', onMessage);
    s.on('error', () => {});
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
    sockets.push(s);
  }
  phoneSocket = [];
  phoneTarget = targets.slice();
  phonePackets = [];
  phoneSeq = new Uint16Array(n);
  phoneTs = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    // the two legs of a call sit on different sockets
    phoneSocket.push(i % m);
    const p = Buffer.alloc(PACKET_BYTES, 0xff);
    p[0] = 0x90; // V=2, X=1
    p[1] = payloadTypes[i]! & 0x7f;
    p.writeUInt32BE((0x5000_0000 + i) >>> 0, 8);
    p.writeUInt16BE(0xbede, 12);
    p.writeUInt16BE(2, 14);
    phonePackets.push(p);
    phoneSeq[i] = i * 7;
    phoneTs[i] = i * 1000;
  }
  return { type: 'ready', sources: phoneSocket.map((k) => sockets[k]!.address().port), peers: [] };
}

function run(cmd: Extract<GeneratorCommand, { type: 'run' }>): Promise<GeneratorReply> {
  const n = phonePackets.length;
  // direct: phone 2k sends to phone 2k+1's socket and back (the baseline without a relay)
  const dest = cmd.direct ? phoneTarget.map((_, i) => sockets[phoneSocket[i ^ 1]!]!.address().port) : phoneTarget;
  const perMs = (n * cmd.ratePerPhone) / 1000;
  histogram.fill(0);
  received = 0;
  outOfWindow = 0;
  const t0 = performance.now();
  windowStart = t0 + cmd.warmupMs;
  windowEnd = windowStart + cmd.durationMs;
  let sent = 0;
  let sentInWindow = 0;
  let dueInWindow = 0;
  let next = 0;
  let maxBacklog = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      if (cpu0 === undefined && now >= windowStart) cpu0 = process.cpuUsage();
      const end = Math.min(now, windowEnd);
      const due = Math.floor((end - t0) * perMs);
      if (due - sent > maxBacklog) maxBacklog = due - sent;
      while (sent < due) {
        const i = next;
        next = i + 1 === n ? 0 : i + 1;
        const p = phonePackets[i]!;
        const seq = (phoneSeq[i] = (phoneSeq[i]! + 1) & 0xffff);
        const ts = (phoneTs[i] = (phoneTs[i]! + 160) >>> 0);
        p[2] = seq >> 8;
        p[3] = seq & 0xff;
        p.writeUInt32BE(ts, 4);
        const at = performance.now();
        p.writeDoubleLE(at, 16);
        sockets[phoneSocket[i]!]!.send(p, dest[i]!, '127.0.0.1');
        sent++;
        if (at >= windowStart && at < windowEnd) sentInWindow++;
      }
      if (now >= windowEnd) {
        clearInterval(timer);
        dueInWindow = Math.round(cmd.durationMs * perMs);
        const cpu = process.cpuUsage(cpu0);
        const cpuPct = ((cpu.user + cpu.system) / 1000 / cmd.durationMs) * 100;
        setTimeout(() => {
          resolve({ type: 'result', sent: sentInWindow, received, due: dueInWindow, maxBacklog, histogram: compress(), bucketUs: BUCKET_US, cpuPct, outOfWindow });
        }, cmd.drainMs);
      }
    }, 1);
  });
}

/** The histogram as [bucket, count] pairs of non-empty buckets, flattened. */
function compress(): number[] {
  const out: number[] = [];
  for (let i = 0; i < BUCKETS; i++) if (histogram[i]! > 0) out.push(i, histogram[i]!);
  return out;
}

async function teardown(): Promise<GeneratorReply> {
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  sockets = [];
  return { type: 'closed' };
}

process.on('message', (cmd: GeneratorCommand) => {
  void (async () => {
    let reply: GeneratorReply | undefined;
    if (cmd.type === 'setup') reply = await setup(cmd.targets, cmd.payloadTypes, cmd.sockets);
    else if (cmd.type === 'run') reply = await run(cmd);
    else if (cmd.type === 'teardown') reply = await teardown();
    else process.exit(0);
    process.send!(reply);
  })();
});
process.on('disconnect', () => process.exit(0));
