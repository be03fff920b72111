// System bench of the media engine: N concurrent calls, each leg's phone sending 50 packets/s to
// the switch, the switch relaying them to the other leg's phone, on loopback. This process is
// the switch side (a MediaEngine, as the call layer uses it); the phones are a load generator
// of our own in a child process (bench/rtp-load-generator.ts), so CPU figures separate. N steps
// up until packets are lost; per step: packets/s forwarded, loss, end-to-end latency through the
// relay beside the same load sent phone to phone directly (the difference is what the relay
// adds), the relay's CPU and event-loop utilisation. Modes: proxy media (packets forwarded
// untouched), default media with PCMU ⇄ PCMA transcoding (RtpStreamRewriter per leg), and as a
// reference the floor: a bare node:dgram forwarder with none of the engine's checks.
// Writes the rtp-relay section of bench/RESULTS.md. Bounded: at most ~4 minutes.
//
// Run: npm run build && node dist/bench/rtp-relay-bench.js [--quick] [--results path]

import { fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { silentLogger } from '../src/common/index.js';
import { MediaEngine, type MediaEndpoint } from '../src/rtp/index.js';
import type { GeneratorCommand, GeneratorReply } from './rtp-load-generator.js';
import { RESULTS_PATH, conditions, fmt, writeSection } from './results.js';

/** `floor`: a minimal forwarder on plain node:dgram (first-packet latch, nothing else), the platform's floor. */
type Mode = 'proxy' | 'transcode' | 'floor';

interface StepResult {
  mode: Mode;
  calls: number;
  forwardedPps: number;
  sent: number;
  due: number;
  lost: number;
  lossPct: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  baseP50Us: number;
  baseP99Us: number;
  relayCpuPct: number;
  relayElu: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  generatorCpuPct: number;
  relayDrops: number;
  kernelRcvbufErrors: number;
  generatorBound: boolean;
}

const WARMUP_MS = 1000;
const DURATION_MS = 5000;
const BASELINE_MS = 3000;
const DRAIN_MS = 400;
const RATE = 50;
const GEN_SOCKETS = 64;
const TOTAL_BUDGET_MS = 4 * 60 * 1000;

class Generator {
  readonly #child: ChildProcess;
  constructor() {
    const file = fileURLToPath(new URL('./rtp-load-generator.js', import.meta.url));
    this.#child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }
  ask(cmd: GeneratorCommand): Promise<GeneratorReply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`generator exited (${code})`));
      this.#child.once('exit', onExit);
      this.#child.once('message', (m) => {
        this.#child.off('exit', onExit);
        resolve(m as GeneratorReply);
      });
      this.#child.send(cmd);
    });
  }
  close(): void {
    this.#child.send({ type: 'exit' } satisfies GeneratorCommand);
    this.#child.disconnect();
  }
}

function percentile(flat: number[], bucketUs: number, q: number): number {
  let total = 0;
  for (let i = 1; i < flat.length; i += 2) total += flat[i]!;
  if (total === 0) return NaN;
  const want = q * total;
  let acc = 0;
  for (let i = 0; i < flat.length; i += 2) {
    acc += flat[i + 1]!;
    if (acc >= want) return (flat[i]! + 0.5) * bucketUs;
  }
  return (flat[flat.length - 2]! + 0.5) * bucketUs;
}

async function udpRcvbufErrors(): Promise<number> {
  try {
    const lines = (await readFile('/proc/net/snmp', 'utf8')).split('\n').filter((l) => l.startsWith('Udp:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf('RcvbufErrors')] ?? 0);
  } catch {
    return 0;
  }
}

/** The floor: 2·N plain dgram sockets forwarding to each other's first source, the least a Node relay can do. */
class FloorRelay {
  readonly sockets: dgram.Socket[] = [];
  forwarded = 0;
  static async open(n: number): Promise<FloorRelay> {
    const r = new FloorRelay();
    const lookup = (address: string, family: number, cb: (e: Error | null, a: string, f: number) => void) => cb(null, address, family);
    for (let i = 0; i < n; i++) {
      const s = dgram.createSocket({ type: 'udp4', lookup: lookup as never, recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
      r.sockets.push(s);
    }
    const peerPort = new Array<number>(n).fill(0);
    const peerIp = new Array<string>(n).fill('');
    r.sockets.forEach((s, i) => {
      const o = r.sockets[i ^ 1]!;
      s.on('message', (msg, rinfo) => {
        if (peerPort[i] === 0) {
          peerPort[i] = rinfo.port;
          peerIp[i] = rinfo.address;
        }
        if (peerPort[i ^ 1] !== 0) {
          o.send(msg, peerPort[i ^ 1]!, peerIp[i ^ 1]!);
          r.forwarded++;
        }
      });
    });
    return r;
  }
  async close(): Promise<void> {
    await Promise.all(this.sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

async function runStep(gen: Generator, mode: Mode, calls: number, dataDir: string): Promise<StepResult> {
  if (mode === 'floor') return runFloorStep(gen, calls);
  const engine = new MediaEngine({ rtpIp: '127.0.0.1', portStart: 20000, portEnd: 39999, dataDir, logger: silentLogger, socketBufferBytes: 1 << 20 });
  const eps: MediaEndpoint[] = [];
  try {
    for (let i = 0; i < 2 * calls; i++) eps.push(await engine.allocate());
    // leg A of call k is eps[2k] (PCMU in transcode mode), leg B eps[2k+1] (PCMA)
    const pts = eps.map((_, i) => (mode === 'transcode' && i % 2 === 1 ? 8 : 0));
    const ready = await gen.ask({ type: 'setup', targets: eps.map((e) => e.port), payloadTypes: pts, sockets: GEN_SOCKETS });
    if (ready.type !== 'ready') throw new Error('generator setup failed');
    eps.forEach((ep, i) => ep.setRemote({ address: '127.0.0.1', port: ready.sources[i]! }));
    for (let k = 0; k < calls; k++) {
      const a = eps[2 * k]!;
      const b = eps[2 * k + 1]!;
      if (mode === 'proxy') engine.proxy(a, b);
      else {
        a.setCodec({ name: 'PCMU', payloadType: 0, clockRate: 8000 });
        b.setCodec({ name: 'PCMA', payloadType: 8, clockRate: 8000 });
        engine.bridge(a, b);
      }
    }
    // baseline: the same phones and load, phone to phone without the relay
    const base = await gen.ask({ type: 'run', warmupMs: 500, durationMs: BASELINE_MS, drainMs: DRAIN_MS, ratePerPhone: RATE, direct: true });
    if (base.type !== 'result') throw new Error('baseline failed');
    // through the relay; the relay's CPU is measured over the generator's window
    const m = await measured(gen, () => engine.stats().rtpOut);
    return toResult(mode, calls, m, base, engine.stats().dropped);
  } finally {
    await gen.ask({ type: 'teardown' }).catch(() => undefined);
    await engine.close();
  }
}

async function runFloorStep(gen: Generator, calls: number): Promise<StepResult> {
  const relay = await FloorRelay.open(2 * calls);
  try {
    const ready = await gen.ask({ type: 'setup', targets: relay.sockets.map((s) => s.address().port), payloadTypes: relay.sockets.map(() => 0), sockets: GEN_SOCKETS });
    if (ready.type !== 'ready') throw new Error('generator setup failed');
    const base = await gen.ask({ type: 'run', warmupMs: 500, durationMs: BASELINE_MS, drainMs: DRAIN_MS, ratePerPhone: RATE, direct: true });
    if (base.type !== 'result') throw new Error('baseline failed');
    const m = await measured(gen, () => relay.forwarded);
    return toResult('floor', calls, m, base, 0);
  } finally {
    await gen.ask({ type: 'teardown' }).catch(() => undefined);
    await relay.close();
  }
}

interface Measured {
  r: Extract<GeneratorReply, { type: 'result' }>;
  cpu: number;
  elu: number;
  pps: number;
  kernel: number;
  /** The relay's event-loop delay over the window (ms): p99 and max. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** A run through the relay, with the relay's CPU, ELU and forwarded rate over the generator's window. */
async function measured(gen: Generator, forwarded: () => number): Promise<Measured> {
  const kernel0 = await udpRcvbufErrors();
  let cpu0: NodeJS.CpuUsage | undefined;
  let elu0: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  let out0 = 0;
  let cpu = NaN;
  let elu = NaN;
  let pps = NaN;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let tMark = performance.now();
  const s0 = setTimeout(() => {
    delay.enable();
    cpu0 = process.cpuUsage();
    elu0 = performance.eventLoopUtilization();
    out0 = forwarded();
    tMark = performance.now();
  }, WARMUP_MS);
  const finish = () => {
    if (cpu0 === undefined) return; // never started: the loop was stalled for the whole run
    // an overloaded loop runs its timers late: measure over the time that really passed
    const spanMs = performance.now() - tMark;
    const c = process.cpuUsage(cpu0);
    cpu = ((c.user + c.system) / 1000 / spanMs) * 100;
    elu = performance.eventLoopUtilization(elu0).utilization;
    pps = ((forwarded() - out0) * 1000) / spanMs;
    delay.disable();
  };
  const s1 = setTimeout(finish, WARMUP_MS + DURATION_MS);
  const r = await gen.ask({ type: 'run', warmupMs: WARMUP_MS, durationMs: DURATION_MS, drainMs: DRAIN_MS, ratePerPhone: RATE, direct: false });
  clearTimeout(s0);
  clearTimeout(s1);
  if (Number.isNaN(cpu)) finish();
  if (r.type !== 'result') throw new Error('run failed');
  delay.disable();
  return { r, cpu, elu, pps, kernel: (await udpRcvbufErrors()) - kernel0, loopDelayP99Ms: delay.percentile(99) / 1e6, loopDelayMaxMs: delay.max / 1e6 };
}

function toResult(mode: Mode, calls: number, m: Measured, base: Extract<GeneratorReply, { type: 'result' }>, relayDrops: number): StepResult {
  const { r } = m;
  const lost = Math.max(0, r.sent - r.received);
  return {
    mode,
    calls,
    forwardedPps: m.pps,
    sent: r.sent,
    due: r.due,
    lost,
    lossPct: r.sent > 0 ? (100 * lost) / r.sent : 0,
    p50Us: percentile(r.histogram, r.bucketUs, 0.5),
    p99Us: percentile(r.histogram, r.bucketUs, 0.99),
    maxUs: percentile(r.histogram, r.bucketUs, 1),
    baseP50Us: percentile(base.histogram, base.bucketUs, 0.5),
    baseP99Us: percentile(base.histogram, base.bucketUs, 0.99),
    relayCpuPct: m.cpu,
    relayElu: m.elu,
    loopDelayP99Ms: m.loopDelayP99Ms,
    loopDelayMaxMs: m.loopDelayMaxMs,
    generatorCpuPct: r.cpuPct,
    relayDrops,
    kernelRcvbufErrors: m.kernel,
    generatorBound: r.sent < 0.98 * r.due,
  };
}

function row(r: StepResult): string {
  const ms = (us: number) => (!Number.isFinite(us) ? '—' : us >= 199_990 ? '≥ 200' : (us / 1000).toFixed(2));
  const num = (x: number, digits: number, unit = '') => (Number.isFinite(x) ? `${x.toFixed(digits)}${unit}` : '—');
  const count = (x: number) => (Number.isFinite(x) ? fmt(x) : '—');
  const added = (a: number, b: number) => (!Number.isFinite(a) || !Number.isFinite(b) ? '—' : a >= 199_990 ? '≥ 200' : ms(Math.max(0, a - b)));
  const loss = r.lost === 0 ? '0' : `${fmt(r.lost)} (${r.lossPct.toFixed(2)}%)`;
  const name = r.mode === 'proxy' ? 'proxy' : r.mode === 'floor' ? 'floor: plain dgram' : 'PCMU⇄PCMA';
  return `| ${name} | ${fmt(r.calls)} | ${count(r.forwardedPps)} | ${loss}${r.generatorBound ? ' ¹' : ''} | ${ms(r.p50Us)} / ${ms(r.p99Us)} | ${ms(r.baseP50Us)} / ${ms(r.baseP99Us)} | **${added(r.p50Us, r.baseP50Us)} / ${added(r.p99Us, r.baseP99Us)}** | ${num(r.relayCpuPct, 0, '%')} | ${num((r.relayCpuPct * 1e4) / r.forwardedPps, 1)} | ${num(r.relayElu, 2)} | ${num(r.loopDelayP99Ms, 1)} / ${num(r.loopDelayMaxMs, 0)} | ${num(r.generatorCpuPct, 0, '%')} | ${fmt(r.relayDrops)} / ${fmt(r.kernelRcvbufErrors)} |`;
}

/**
 * What one core could carry at the CPU cost per packet of this mode's busiest loss-free step
 * (the cost per packet falls as load rises: more packets per wake-up).
 */
function costLine(results: StepResult[], mode: Mode): string {
  const ok = results.filter((r) => r.mode === mode && r.lost === 0 && Number.isFinite(r.relayCpuPct) && r.forwardedPps > 0);
  if (ok.length === 0) return '';
  const busiest = ok.reduce((a, b) => (b.forwardedPps > a.forwardedPps ? b : a));
  const us = (busiest.relayCpuPct * 1e4) / busiest.forwardedPps;
  const pps = 1e6 / us;
  const name = mode === 'proxy' ? 'Proxy' : mode === 'floor' ? 'Floor' : 'PCMU⇄PCMA';
  return `- ${name}: ${us.toFixed(1)} µs of CPU per forwarded packet at ${fmt(busiest.calls)} calls (receive, forward, and the kernel's loopback delivery to the phone), so one fully busy event loop would carry about ${fmt(pps)} packets/s = ${fmt(pps / 100)} calls; queueing keeps p99 latency low only well below that.`;
}

export async function runRtpRelayBench(opts: { quick?: boolean; resultsPath?: string; plans?: Array<[Mode, number[]]> } = {}): Promise<StepResult[]> {
  const load = loadavg()[0]!;
  const dataDir = await mkdtemp(join(tmpdir(), 'rtp-relay-bench-'));
  const gen = new Generator();
  const started = performance.now();
  const results: StepResult[] = [];
  const plans: Array<[Mode, number[]]> = opts.plans ?? (opts.quick
    ? [
        ['proxy', [100, 250]],
        ['floor', [250]],
        ['transcode', [100]],
      ]
    : [
        ['proxy', [250, 500, 750, 1000, 1250, 1500, 2000]],
        ['floor', [250, 500, 750, 1000]],
        ['transcode', [100, 200, 300, 400, 500, 750, 1000]],
      ]);
  try {
    for (const [mode, steps] of plans) {
      for (const calls of steps) {
        if (performance.now() - started > TOTAL_BUDGET_MS) break;
        const r = await runStep(gen, mode, calls, dataDir);
        results.push(r);
        console.log(row(r));
        // a stray loss on a shared machine does not end the series; real overload (> 0.1%) does
        if (r.lossPct > 0.1 || r.generatorBound) break;
      }
    }
  } finally {
    gen.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  const best = (mode: Mode) => results.filter((r) => r.mode === mode && r.lost === 0 && !r.generatorBound).reduce((m, r) => Math.max(m, r.calls), 0);
  const bestFast = (mode: Mode) =>
    results.filter((r) => r.mode === mode && r.lost === 0 && !r.generatorBound && r.p99Us - r.baseP99Us <= 1000).reduce((m, r) => Math.max(m, r.calls), 0);
  const md = [
    '## RTP relay: concurrent calls on loopback (`bench/rtp-relay-bench.ts`)',
    '',
    `${conditions()}, 1-min load average ${load.toFixed(1)} at start and ${loadavg()[0]!.toFixed(1)} at the end (the machine is shared with other`,
    'work: on 2 cores, any other runnable process takes CPU from the relay or the generator, which shows as latency). The switch side is one',
    'Node process holding a MediaEngine (one event loop, no worker threads); the phones are our own load generator in a',
    `child process, ${GEN_SOCKETS} sockets, 2 phones per call, ${RATE} packets/s each (172-octet PCMU/PCMA packets plus an`,
    `8-octet header extension carrying the send time), phases spread over the 20 ms period. Each step: ${WARMUP_MS / 1000} s warm-up, ${DURATION_MS / 1000} s`,
    'measured. Latency is end to end on the generator\'s clock; "direct" is the same load sent phone to phone without',
    'the relay, so *added* = through relay − direct (p50 / p99). CPU is % of one core over the measured window; ELU is',
    'the relay\'s event-loop utilisation. Drops: counted by the relay / UDP receive-buffer overflows in the kernel',
    '(system-wide, so other processes\' count too). A series stops at the first step losing over 0.1%. "floor: plain dgram" is the least a',
    'Node relay can do (node:dgram sockets forwarding to the first source seen, no validation, latching rules or counters):',
    'the engine\'s proxy rows beside it show what the engine adds to the platform\'s own per-packet cost.',
    '',
    '| mode | calls | packets/s forwarded | lost | via relay p50 / p99 ms | direct p50 / p99 ms | added p50 / p99 ms | relay CPU | CPU µs / packet | relay ELU | relay loop delay p99 / max ms | generator CPU | drops relay / kernel |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(row),
    '',
    `Largest step with zero loss: **proxy ${fmt(best('proxy'))} calls**, **PCMU⇄PCMA ${fmt(best('transcode'))} calls**`,
    `(floor ${fmt(best('floor'))}); with zero loss and p99 added latency ≤ 1 ms: proxy ${fmt(bestFast('proxy'))}, PCMU⇄PCMA ${fmt(bestFast('transcode'))}, floor ${fmt(bestFast('floor'))}`,
    '(targets on this 2-core machine: ≥ 1,000 proxy calls with p99 added latency ≤ 1 ms; ≥ 300 transcoding calls).',
    '',
    costLine(results, 'proxy'),
    costLine(results, 'floor'),
    costLine(results, 'transcode'),
    '',
    results.some((r) => r.generatorBound) ? '¹ the generator could not send its load in time (fell > 2% behind): the step measures the machine, not the relay.' : '',
    '',
    'Peers: none measured. FreeSWITCH is not packaged for this Debian; rtpengine is (`rtpengine-daemon` 10.5, userspace',
    'forwarding only: its kernel module cannot load in this VM) but is not installed, and driving it needs a client of its',
    'ng control protocol, which this bench does not have yet. The floor rows stand in as the reference.',
  ].join('\n');
  writeSection('rtp-relay', md, opts.resultsPath ?? RESULTS_PATH);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--results');
  // --steps proxy:500,750 transcode:300 (ad-hoc runs; the default plan steps up to the first loss)
  const st = args.indexOf('--steps');
  const plans = st >= 0 ? args.slice(st + 1).filter((a) => /^(proxy|transcode|floor):[\d,]+$/.test(a)).map((a) => [a.split(':')[0] as Mode, a.split(':')[1]!.split(',').map(Number)] as [Mode, number[]]) : undefined;
  await runRtpRelayBench({ quick: args.includes('--quick'), resultsPath: at >= 0 ? args[at + 1] : undefined, plans });
}
