// SIP over TCP (RFC 3261 §18): a listener for phones that connect to us and outbound
// connections we open, both framed by Content-Length. A request that arrived on a connection
// is answered on it; a phone registered over TCP is reached over its connection; outbound
// connections are reused per remote ip:port and closed when idle. Each connection has bounded
// buffers, a deadline for finishing a message it started (slow senders), and a cap on unsent
// bytes (slow readers): one bad peer never holds memory or affects another.

import net from 'node:net';
import type { Logger } from '../../common/index.js';
import type { MessageSource } from '../message.js';
import { StreamFramer } from '../framing.js';
import { nowMicros, type SipTrace } from '../trace.js';
import { TransportError } from '../errors.js';
import type { SendTarget, Transport, TransportReceiver } from './transport.js';

export interface TcpTransportOptions {
  address: string;
  port: number;
  receiver: TransportReceiver;
  trace: SipTrace;
  profile: string;
  logger: Logger;
  maxMessageBytes?: number;
  /** A message whose first byte arrived must be complete within this time (default 10 s). */
  messageTimeoutMs?: number;
  /** Close a connection with no traffic for this long (default 3900 s, above a 1 h registration). */
  idleTimeoutMs?: number;
  /** Close connections we opened after this long without traffic (default 60 s). */
  outboundIdleTimeoutMs?: number;
  /** Most simultaneous connections (default 10,000). */
  maxConnections?: number;
  /** Most unsent bytes queued on one connection before it is dropped (default 1 MiB). */
  maxQueuedBytes?: number;
  /** Connect timeout for outbound connections (default 5 s). */
  connectTimeoutMs?: number;
}

interface Connection {
  readonly id: string;
  readonly socket: net.Socket;
  readonly framer: StreamFramer;
  readonly outbound: boolean;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  connected: boolean;
  /** Writes waiting for an outbound connect. */
  queue: Array<{ data: Buffer; onError: ((err: Error) => void) | undefined }>;
  messageTimer: NodeJS.Timeout | undefined;
  closed: boolean;
}

let connectionCounter = 0;

export class TcpTransport implements Transport {
  readonly protocol = 'tcp' as const;
  readonly localAddress: string;
  #port: number;
  readonly #server: net.Server;
  readonly #opts: Required<Omit<TcpTransportOptions, 'receiver' | 'trace' | 'logger' | 'profile' | 'address' | 'port'>> & TcpTransportOptions;
  readonly #byId = new Map<string, Connection>();
  readonly #byRemote = new Map<string, Connection>();
  #closed = false;

  private constructor(server: net.Server, opts: TcpTransportOptions, port: number) {
    this.#server = server;
    this.localAddress = opts.address;
    this.#port = port;
    this.#opts = {
      maxMessageBytes: 65535,
      messageTimeoutMs: 10_000,
      idleTimeoutMs: 3_900_000,
      outboundIdleTimeoutMs: 60_000,
      maxConnections: 10_000,
      maxQueuedBytes: 1024 * 1024,
      connectTimeoutMs: 5_000,
      ...opts,
    };
  }

  static async listen(opts: TcpTransportOptions): Promise<TcpTransport> {
    const server = net.createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: opts.port, host: opts.address, backlog: 1024 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as net.AddressInfo;
    const t = new TcpTransport(server, opts, addr.port);
    server.on('connection', (socket) => t.#accept(socket));
    server.on('error', (err) => opts.logger.warn({ err }, 'tcp listener error'));
    return t;
  }

  get localPort(): number {
    return this.#port;
  }

  /** Number of open connections (for status and tests). */
  get connectionCount(): number {
    return this.#byId.size;
  }

  hasConnection(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Close a connection once what was written to it has gone out (framing lost). */
  endConnection(id: string): void {
    const conn = this.#byId.get(id);
    if (!conn) return;
    conn.socket.end();
    setTimeout(() => this.#drop(conn, 'ended'), 1000).unref();
  }

  #accept(socket: net.Socket): void {
    if (this.#closed || this.#byId.size >= this.#opts.maxConnections) {
      socket.destroy();
      return;
    }
    const conn = this.#register(socket, false, socket.remoteAddress ?? '', socket.remotePort ?? 0);
    conn.connected = true;
    conn.localAddress = socket.localAddress ?? this.localAddress;
    conn.localPort = socket.localPort ?? this.#port;
  }

  #register(socket: net.Socket, outbound: boolean, remoteAddress: string, remotePort: number): Connection {
    const conn: Connection = {
      id: `tcp-${++connectionCounter}`,
      socket,
      framer: new StreamFramer(this.#opts.maxMessageBytes),
      outbound,
      remoteAddress: normaliseAddress(remoteAddress),
      remotePort,
      localAddress: this.localAddress,
      localPort: this.#port,
      connected: false,
      queue: [],
      messageTimer: undefined,
      closed: false,
    };
    this.#byId.set(conn.id, conn);
    this.#byRemote.set(remoteKey(conn.remoteAddress, remotePort), conn);
    socket.setNoDelay(true);
    socket.setTimeout(outbound ? this.#opts.outboundIdleTimeoutMs : this.#opts.idleTimeoutMs);
    socket.on('timeout', () => this.#drop(conn, 'idle'));
    socket.on('data', (chunk) => this.#onData(conn, chunk));
    socket.on('error', (err) => {
      this.#opts.logger.debug({ err: err.message, id: conn.id }, 'tcp connection error');
      this.#failQueue(conn, err);
    });
    socket.on('close', () => this.#forget(conn));
    return conn;
  }

  #source(conn: Connection): MessageSource {
    return {
      transport: 'tcp',
      remoteAddress: conn.remoteAddress,
      remotePort: conn.remotePort,
      localAddress: conn.localAddress,
      localPort: conn.localPort,
      connectionId: conn.id,
    };
  }

  #onData(conn: Connection, chunk: Buffer): void {
    try {
      const events = conn.framer.push(chunk);
      for (const ev of events) {
        if (ev.kind === 'message') {
          const trace = this.#opts.trace;
          if (trace.active) {
            trace.publish({
              direction: 'recv', transport: 'tcp', localAddress: conn.localAddress, localPort: conn.localPort,
              remoteAddress: conn.remoteAddress, remotePort: conn.remotePort, timeUs: nowMicros(), bytes: ev.data, profile: this.#opts.profile,
            });
          }
          this.#opts.receiver.onData(ev.data, this.#source(conn), false);
        } else if (ev.kind === 'ping') {
          this.#write(conn, Buffer.from('\r\n'), undefined, false);
        } else {
          this.#opts.receiver.onStreamError(ev.status, ev.reason, ev.head, this.#source(conn), (data) => this.#write(conn, data, undefined, true));
          conn.socket.end();
          setTimeout(() => this.#drop(conn, 'framing error'), 1000).unref();
          return;
        }
      }
      this.#armMessageTimer(conn);
    } catch (err) {
      this.#opts.logger.error({ err, id: conn.id }, 'error handling tcp data');
      this.#drop(conn, 'handler error');
    }
  }

  #armMessageTimer(conn: Connection): void {
    const pending = conn.framer.pendingBytes > 0;
    if (pending && !conn.messageTimer) {
      conn.messageTimer = setTimeout(() => this.#drop(conn, 'message not completed in time'), this.#opts.messageTimeoutMs);
      conn.messageTimer.unref();
    } else if (!pending && conn.messageTimer) {
      clearTimeout(conn.messageTimer);
      conn.messageTimer = undefined;
    }
  }

  send(data: Buffer, target: SendTarget, onError?: (err: Error) => void): void {
    if (this.#closed) {
      onError?.(new TransportError('tcp transport closed'));
      return;
    }
    let conn = target.connectionId ? this.#byId.get(target.connectionId) : undefined;
    if (!conn) conn = this.#byRemote.get(remoteKey(normaliseAddress(target.address), target.port));
    if (!conn) {
      if (net.isIP(target.address) === 0) {
        onError?.(new TransportError(`not an IP address: ${target.address}`));
        return;
      }
      if (this.#byId.size >= this.#opts.maxConnections) {
        onError?.(new TransportError('too many tcp connections'));
        return;
      }
      conn = this.#connect(target.address, target.port);
    }
    this.#write(conn, data, onError, true);
  }

  #connect(address: string, port: number): Connection {
    const socket = new net.Socket();
    const conn = this.#register(socket, true, address, port);
    const timer = setTimeout(() => {
      if (!conn.connected) {
        this.#failQueue(conn, new TransportError(`tcp connect to ${address}:${port} timed out`));
        this.#drop(conn, 'connect timeout');
      }
    }, this.#opts.connectTimeoutMs);
    timer.unref();
    socket.connect({ host: address, port, localAddress: this.localAddress }, () => {
      clearTimeout(timer);
      conn.connected = true;
      conn.localAddress = socket.localAddress ?? this.localAddress;
      conn.localPort = socket.localPort ?? 0;
      const queued = conn.queue;
      conn.queue = [];
      for (const q of queued) this.#write(conn, q.data, q.onError, true);
    });
    return conn;
  }

  #write(conn: Connection, data: Buffer, onError: ((err: Error) => void) | undefined, traced: boolean): void {
    if (conn.closed) {
      onError?.(new TransportError('tcp connection closed'));
      return;
    }
    if (!conn.connected) {
      conn.queue.push({ data, onError });
      return;
    }
    if (conn.socket.writableLength > this.#opts.maxQueuedBytes) {
      onError?.(new TransportError('tcp peer is not reading'));
      this.#drop(conn, 'slow reader');
      return;
    }
    const trace = this.#opts.trace;
    if (traced && trace.active) {
      trace.publish({
        direction: 'send', transport: 'tcp', localAddress: conn.localAddress, localPort: conn.localPort,
        remoteAddress: conn.remoteAddress, remotePort: conn.remotePort, timeUs: nowMicros(), bytes: data, profile: this.#opts.profile,
      });
    }
    conn.socket.write(data, (err) => {
      if (err) onError?.(err);
    });
  }

  #failQueue(conn: Connection, err: Error): void {
    const queued = conn.queue;
    conn.queue = [];
    for (const q of queued) q.onError?.(err);
  }

  #drop(conn: Connection, why: string): void {
    if (conn.closed) return;
    this.#opts.logger.debug({ id: conn.id, why }, 'closing tcp connection');
    conn.socket.destroy();
    this.#forget(conn);
  }

  #forget(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    if (conn.messageTimer) clearTimeout(conn.messageTimer);
    this.#failQueue(conn, new TransportError('tcp connection closed'));
    this.#byId.delete(conn.id);
    const key = remoteKey(conn.remoteAddress, conn.remotePort);
    if (this.#byRemote.get(key) === conn) this.#byRemote.delete(key);
    try {
      this.#opts.receiver.onConnectionClosed?.(conn.id);
    } catch (err) {
      this.#opts.logger.error({ err }, 'error in connection-closed handler');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const conn of [...this.#byId.values()]) this.#drop(conn, 'transport closing');
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

function remoteKey(address: string, port: number): string {
  return `${address}|${port}`;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`, so IPv4 peers on a dual-stack socket look alike. */
function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
