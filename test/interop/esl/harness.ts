// An in-process switch face for the event socket tests: bus, API registry with the generic
// commands, log tap, root logger, and the ESL server on a free loopback port. Plus a raw socket
// client that records bytes exactly as they arrive.

import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import {
  ApiRegistry,
  createStaticStatusProvider,
  MapGlobalVariables,
  registerGenericCommands,
  startHeartbeat,
  type ReloadResult,
} from '../../../src/api/index.js';
import { createRootLogger, EventBus, fsLogLevelControl, LogTap, type Logger } from '../../../src/common/index.js';
import { EslServer, type EslServerOptions } from '../../../src/esl/index.js';

export class NullSink extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.lines.push(chunk.toString());
    cb();
  }
}

export interface TestSwitch {
  bus: EventBus;
  api: ApiRegistry;
  tap: LogTap;
  logger: Logger;
  server: EslServer;
  port: number;
  /** What the next `reloadxml` answers. */
  reloadResult: ReloadResult;
  close(): Promise<void>;
}

export async function startTestSwitch(
  opts: Partial<Omit<EslServerOptions, 'bus' | 'api'>> & { heartbeatMs?: number } = {},
): Promise<TestSwitch> {
  const bus = new EventBus({ coreUuid: randomUUID(), hostname: 'test-host', switchname: 'test-switch' });
  const api = new ApiRegistry();
  const tap = new LogTap();
  const logger = createRootLogger({ level: 'info', destination: new NullSink(), tap });
  const status = createStaticStatusProvider({ maxSessions: 1000, spsLimit: 30 });
  const sw: Partial<TestSwitch> = { reloadResult: { ok: true } };
  registerGenericCommands(api, {
    bus,
    status,
    globals: new MapGlobalVariables({ domain: 'example.com' }),
    logLevel: fsLogLevelControl(logger),
    reload: async () => sw.reloadResult as ReloadResult,
  });
  const { heartbeatMs, ...serverOpts } = opts;
  const server = new EslServer({ host: '127.0.0.1', port: 0, bus, api, logTap: tap, logger, ...serverOpts });
  const addr = await server.listen();
  const stopHeartbeat = heartbeatMs ? startHeartbeat(bus, status, heartbeatMs) : () => {};
  return Object.assign(sw, {
    bus,
    api,
    tap,
    logger,
    server,
    port: addr.port,
    async close() {
      stopHeartbeat();
      await server.close();
    },
  }) as TestSwitch;
}

/** A socket that keeps every received byte as text, with waits bounded in time. */
export class RawClient {
  readonly socket: Socket;
  data = '';
  closed = false;
  #waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.data += d;
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Wait until the received text satisfies the test (or the socket closes, or time runs out). */
  async waitUntil(test: (data: string) => boolean, timeoutMs = 3000): Promise<string> {
    if (test(this.data)) return this.data;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out; received so far: ${JSON.stringify(this.data.slice(-500))}`));
      }, timeoutMs);
      const check = () => {
        if (test(this.data) || this.closed) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          resolve();
        }
      };
      this.#waiters.add(check);
    });
    return this.data;
  }

  waitFor(text: string, timeoutMs?: number): Promise<string> {
    return this.waitUntil((d) => d.includes(text), timeoutMs);
  }

  async waitClosed(timeoutMs = 3000): Promise<void> {
    await this.waitUntil(() => this.closed, timeoutMs);
    if (!this.closed) throw new Error('socket still open');
  }

  /** Everything received so far, cleared. */
  take(): string {
    const d = this.data;
    this.data = '';
    return d;
  }

  /** Open, read auth/request, authenticate. */
  static async authed(port: number, password = 'ClueCon'): Promise<RawClient> {
    const c = await RawClient.open(port);
    await c.waitFor('Content-Type: auth/request\n\n');
    c.take();
    c.send(`auth ${password}\n\n`);
    await c.waitFor('Reply-Text: +OK accepted\n\n');
    c.take();
    return c;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Split received text into complete packets (headers + Content-Length body). */
export function splitPackets(data: string): Array<{ headers: Record<string, string>; body: string }> {
  const out: Array<{ headers: Record<string, string>; body: string }> = [];
  let buf = Buffer.from(data, 'utf8');
  while (buf.length > 0) {
    const end = buf.indexOf('\n\n');
    if (end < 0) break;
    const headers: Record<string, string> = {};
    for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
      const i = line.indexOf(': ');
      if (i > 0) headers[line.slice(0, i)] = line.slice(i + 2);
    }
    const len = Number(headers['Content-Length'] ?? 0);
    if (buf.length < end + 2 + len) break;
    out.push({ headers, body: buf.subarray(end + 2, end + 2 + len).toString('utf8') });
    buf = buf.subarray(end + 2 + len);
  }
  return out;
}
