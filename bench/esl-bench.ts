// Event socket benchmark: `api status` round trips per second over one connection, and event
// fan-out (events per second delivered to 10 subscribers). The server runs in a worker thread
// so that client and server do not share an event loop; everything stays on 127.0.0.1, every
// loop is bounded in count and time. Writes its section of bench/RESULTS.md between the
// `<!-- esl:start -->` and `<!-- esl:end -->` markers.
//
//   node dist/bench/esl-bench.js [--results <file>] [--quick]

import { connect, type Socket } from 'node:net';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import esl from 'modesl';
import {
  ApiRegistry,
  createStaticStatusProvider,
  MapGlobalVariables,
  registerGenericCommands,
} from '../src/api/index.js';
import { EventBus, silentLogger, type EventHeaders } from '../src/common/index.js';
import { EslClient, EslFrameParser, EslServer } from '../src/esl/index.js';
import { conditions, writeSection } from './results.js';

type ToWorker = { type: 'publish'; count: number } | { type: 'stop' };
type FromWorker = { type: 'ready'; port: number } | { type: 'published'; total: number };

const SUBSCRIBERS = 10;

/** A channel-like event: the stamped common headers plus 25 of channel data. */
function channelHeaders(i: number): EventHeaders {
  const uuid = `0b9a${String(i).padStart(8, '0')}-1111-2222-3333-444455556666`;
  return [
    ['Channel-State', 'CS_EXECUTE'], ['Channel-Call-State', 'ACTIVE'], ['Channel-State-Number', '4'],
    ['Channel-Name', 'sofia/internal/1000@192.168.1.10'], ['Unique-ID', uuid], ['Call-Direction', 'inbound'],
    ['Presence-Call-Direction', 'inbound'], ['Channel-HIT-Dialplan', 'true'], ['Channel-Call-UUID', uuid],
    ['Answer-State', 'answered'], ['Channel-Read-Codec-Name', 'PCMU'], ['Channel-Read-Codec-Rate', '8000'],
    ['Caller-Direction', 'inbound'], ['Caller-Username', '1000'], ['Caller-Dialplan', 'XML'],
    ['Caller-Caller-ID-Name', 'Extension 1000'], ['Caller-Caller-ID-Number', '1000'],
    ['Caller-Network-Addr', '192.168.1.50'], ['Caller-Destination-Number', '1001'], ['Caller-Unique-ID', uuid],
    ['Caller-Source', 'mod_sofia'], ['Caller-Context', 'default'],
    ['Caller-Channel-Name', 'sofia/internal/1000@192.168.1.10'],
    ['Caller-Channel-Created-Time', '1714557601000000'], ['variable_sip_from_user', '1000'],
  ];
}

async function serverMain(): Promise<void> {
  const port = parentPort as NonNullable<typeof parentPort>;
  const bus = new EventBus({ hostname: 'bench', switchname: 'bench' });
  const api = new ApiRegistry();
  const level = { get: () => 6 as const, set: () => {} };
  registerGenericCommands(api, {
    bus,
    status: createStaticStatusProvider(),
    globals: new MapGlobalVariables(),
    logLevel: level,
  });
  const server = new EslServer({ host: '127.0.0.1', port: 0, bus, api, logger: silentLogger, maxPendingWriteBytes: 64 * 1024 * 1024 });
  const addr = await server.listen();
  let total = 0;
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'stop') {
      void server.close().then(() => process.exit(0));
      return;
    }
    for (let i = 0; i < msg.count; i++) {
      bus.publish('CHANNEL_ANSWER', channelHeaders(total++), { origin: { file: 'bench', func: 'publish', line: 1 } });
    }
    port.postMessage({ type: 'published', total } satisfies FromWorker);
  });
  port.postMessage({ type: 'ready', port: addr.port } satisfies FromWorker);
}

interface Result {
  name: string;
  count: number;
  seconds: number;
  perSecond: number;
  note: string;
}

interface Row {
  name: string;
  samples: Result[];
  /** Median rate. */
  perSecond: number;
  /** Half the spread between the slowest and fastest sample, in percent of the median. */
  spreadPct: number;
  note: string;
}

async function sampled(n: number, run: () => Promise<Result>): Promise<Row> {
  const samples: Result[] = [];
  for (let i = 0; i < n; i++) samples.push(await run());
  const rates = samples.map((r) => r.perSecond).sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] as number;
  const spreadPct = median > 0 ? (((rates[rates.length - 1] as number) - (rates[0] as number)) / 2 / median) * 100 : 0;
  const last = samples[samples.length - 1] as Result;
  return { name: last.name, samples, perSecond: median, spreadPct, note: last.note };
}

async function apiRoundTrips(port: number, maxCount: number, maxMs: number): Promise<Result> {
  const client = await EslClient.connect({ port });
  for (let i = 0; i < 200; i++) await client.api('status'); // warm-up
  const t0 = performance.now();
  let n = 0;
  while (n < maxCount && performance.now() - t0 < maxMs) {
    await client.api('status');
    n++;
  }
  const seconds = (performance.now() - t0) / 1000;
  await client.close();
  return { name: 'api status round trips, 1 connection, sequential (EslClient)', count: n, seconds, perSecond: n / seconds, note: '' };
}

async function apiPipelined(port: number, depth: number, maxCount: number, maxMs: number): Promise<Result> {
  const client = await EslClient.connect({ port });
  const t0 = performance.now();
  let sent = 0;
  let done = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent - done < depth && sent < maxCount && performance.now() - t0 < maxMs) {
        sent++;
        void client.api('status').then(() => {
          done++;
          if (done === sent && (sent >= maxCount || performance.now() - t0 >= maxMs)) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const seconds = (performance.now() - t0) / 1000;
  await client.close();
  return { name: `api status, 1 connection, ${depth} in flight (EslClient)`, count: done, seconds, perSecond: done / seconds, note: '' };
}

async function modeslRoundTrips(port: number, maxCount: number, maxMs: number): Promise<Result> {
  const conn = await new Promise<InstanceType<typeof esl.Connection>>((resolve, reject) => {
    const c = new esl.Connection('127.0.0.1', port, 'ClueCon');
    c.once('esl::ready', () => resolve(c));
    c.once('error', reject);
  });
  const api = () => new Promise<void>((resolve) => conn.api('status', () => resolve()));
  for (let i = 0; i < 10; i++) await api();
  const t0 = performance.now();
  let n = 0;
  while (n < maxCount && performance.now() - t0 < maxMs) {
    await api();
    n++;
  }
  const seconds = (performance.now() - t0) / 1000;
  conn.socket?.destroy();
  return {
    name: 'api status round trips, 1 connection, sequential (modesl client, peer)',
    count: n,
    seconds,
    perSecond: n / seconds,
    // modesl writes `api status\n` and the final `\n` as two writes without TCP_NODELAY.
    note: 'modesl sends each command in two TCP writes with Nagle on: delayed ACK bounds it',
  };
}

/** A subscriber that frames packets and counts events without parsing them. */
class CountingSubscriber {
  events = 0;
  readonly #socket: Socket;
  readonly #parser = new EslFrameParser({ commandLine: false });
  #onReply: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) =>
      this.#parser.push(chunk, (f) => {
        const type = f.headers.find(([k]) => k === 'Content-Type')?.[1];
        if (type === 'text/event-plain') this.events++;
        else if (type === 'command/reply' || type === 'auth/request') this.#onReply?.();
      }),
    );
  }

  static async open(port: number): Promise<CountingSubscriber> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    const sub = new CountingSubscriber(socket);
    await sub.#next();
    await sub.#command('auth ClueCon');
    await sub.#command('event plain CHANNEL_ANSWER');
    return sub;
  }

  #next(): Promise<void> {
    return new Promise((resolve) => {
      this.#onReply = () => {
        this.#onReply = undefined;
        resolve();
      };
    });
  }

  #command(line: string): Promise<void> {
    const p = this.#next();
    this.#socket.write(`${line}\n\n`);
    return p;
  }

  close(): void {
    this.#socket.destroy();
  }
}

async function fanOut(worker: Worker, port: number, perSubscriber: number, maxMs: number): Promise<Result> {
  const subs = await Promise.all(Array.from({ length: SUBSCRIBERS }, () => CountingSubscriber.open(port)));
  const batch = 250;
  let published = 0;
  const publish = (count: number) =>
    new Promise<void>((resolve) => {
      const onMsg = (m: FromWorker) => {
        if (m.type === 'published') {
          worker.off('message', onMsg);
          published += count;
          resolve();
        }
      };
      worker.on('message', onMsg);
      worker.postMessage({ type: 'publish', count } satisfies ToWorker);
    });
  const minReceived = () => Math.min(...subs.map((s) => s.events));
  const totalReceived = () => subs.reduce((n, s) => n + s.events, 0);
  const t0 = performance.now();
  // Closed loop: at most two batches in flight per subscriber, so socket buffers stay small.
  while (published < perSubscriber && performance.now() - t0 < maxMs) {
    while (minReceived() < published - batch && performance.now() - t0 < maxMs) await new Promise((r) => setImmediate(r));
    await publish(Math.min(batch, perSubscriber - published));
  }
  while (minReceived() < published && performance.now() - t0 < maxMs) await new Promise((r) => setImmediate(r));
  const seconds = (performance.now() - t0) / 1000;
  const delivered = totalReceived();
  for (const s of subs) s.close();
  return {
    name: `event fan-out, plain CHANNEL_ANSWER (38 headers) to ${SUBSCRIBERS} subscribers`,
    count: delivered,
    seconds,
    perSecond: delivered / seconds,
    note: `deliveries/s; ${published} events published per sample`,
  };
}

function writeResults(file: string | undefined, rows: Row[]): void {
  const lines = [
    '## Event socket (`bench/esl-bench.ts`)',
    '',
    `${conditions()}. Server in a worker thread, clients on the main thread, loopback TCP.`,
    'Median of the samples; ± is half the spread between the slowest and fastest sample. No',
    'FreeSWITCH runs here to measure beside it; the modesl row is the peer available here (a',
    'third-party client against the same server).',
    '',
    '| measurement | samples × count | per second | note |',
    '|---|---:|---:|---|',
    ...rows.map((r) => {
      const counts = r.samples.map((x) => x.count).join(', ');
      const spread = r.samples.length > 1 ? ` (±${Math.round(r.spreadPct)}%)` : '';
      return `| ${r.name} | ${r.samples.length} × ${counts} | ${Math.round(r.perSecond).toLocaleString('en-US')}${spread} | ${r.note} |`;
    }),
  ];
  if (file === undefined) writeSection('esl', lines.join('\n'));
  else writeSection('esl', lines.join('\n'), file);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const ri = args.indexOf('--results');
  const resultsFile = ri >= 0 ? args[ri + 1] : undefined;
  const worker = new Worker(new URL(import.meta.url));
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: FromWorker) => {
      if (m.type === 'ready') resolve(m.port);
    });
  });
  const n = quick ? 1 : 3;
  const maxMs = quick ? 1000 : 3000;
  const rows: Row[] = [];
  rows.push(await sampled(n, () => apiRoundTrips(port, quick ? 3000 : 20_000, maxMs)));
  rows.push(await sampled(n, () => apiPipelined(port, 32, quick ? 5000 : 50_000, maxMs)));
  rows.push(await sampled(1, () => modeslRoundTrips(port, 5000, maxMs)));
  rows.push(await sampled(n, () => fanOut(worker, port, quick ? 3000 : 20_000, quick ? 3000 : 8000)));
  for (const r of rows) {
    console.log(`${r.name}: ${Math.round(r.perSecond)}/s (±${Math.round(r.spreadPct)}%) ${r.note}`);
  }
  writeResults(resultsFile, rows);
  worker.postMessage({ type: 'stop' } satisfies ToWorker);
  await new Promise((r) => worker.once('exit', r));
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  void serverMain();
}
