// The event socket server (mod_event_socket's inbound mode, spec §7): listens on host:port,
// refuses peers the ACL does not allow with `text/rude-rejection`, and runs one EslConnection
// per accepted socket. It takes plain options; the lead maps event_socket.conf.xml onto them.

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { EventBus, EventHeaders, Logger, LogTap } from '../common/index.js';
import { silentLogger } from '../common/index.js';
import type { ApiRegistry } from '../api/index.js';
import { isLoopbackAddress } from './access.js';
import { AuthThrottle } from './auth-throttle.js';
import { EslConnection } from './connection.js';
import { DISCONNECT_SHUTDOWN, rudeRejectionPacket } from './packets.js';

export interface EslServerOptions {
  /** Listen address (default 127.0.0.1; `::` for every address, as vanilla FS). */
  host?: string;
  /** Default 8021; 0 picks a free port. */
  port?: number;
  /** Default ClueCon. */
  password?: string;
  /** Which peers may connect (default: loopback only, FS's `loopback.auto`). */
  isAllowed?: (ip: string) => boolean;
  /** Close connections that have not authenticated by then (default 10 s). */
  authTimeoutMs?: number;
  bus: EventBus;
  api: ApiRegistry;
  /** Source of `log <level>` streams; without it `log` is accepted and streams nothing. */
  logTap?: LogTap;
  logger?: Logger;
  /** Whether a channel uuid exists (for `myevents <uuid> <format>`). */
  channelExists?: (uuid: string) => boolean | Promise<boolean>;
  /** Deliver a `sendmsg` to a channel; false when there is no such channel. */
  sendMsg?: (uuid: string, headers: EventHeaders, body: string | undefined) => boolean | Promise<boolean>;
  /** Simultaneous connections (default 1000). */
  maxConnections?: number;
  /** Unsent bytes a subscriber may pile up before it is dropped (default 8 MiB). */
  maxPendingWriteBytes?: number;
  /** Delay before answering the 2nd failed auth from an address; doubles after (default 250 ms). */
  authFailureBaseDelayMs?: number;
  /** Cap of that delay (default 8 s). */
  authFailureMaxDelayMs?: number;
}

export class EslServer {
  readonly #opts: EslServerOptions;
  readonly #log: Logger;
  readonly #server: Server;
  readonly #throttle: AuthThrottle;
  readonly #connections = new Set<EslConnection>();
  #nextId = 1;
  #listening = false;
  #closing = false;

  constructor(opts: EslServerOptions) {
    this.#opts = opts;
    this.#log = (opts.logger ?? silentLogger).child({ mod: 'esl' });
    this.#throttle = new AuthThrottle({
      baseDelayMs: opts.authFailureBaseDelayMs,
      maxDelayMs: opts.authFailureMaxDelayMs,
    });
    this.#server = createServer((socket) => this.#onConnection(socket));
    this.#server.maxConnections = opts.maxConnections ?? 1000;
    this.#server.on('error', (err) => this.#log.error({ err }, 'event socket server error'));
  }

  /** Start listening; resolves with the bound address (the real port when port was 0). */
  listen(): Promise<AddressInfo> {
    const host = this.#opts.host ?? '127.0.0.1';
    const port = this.#opts.port ?? 8021;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        this.#server.off('listening', onListening);
        reject(err);
      };
      const onListening = () => {
        this.#server.off('error', onError);
        this.#listening = true;
        const addr = this.#server.address() as AddressInfo;
        this.#log.info({ host: addr.address, port: addr.port }, 'event socket listening');
        resolve(addr);
      };
      this.#server.once('error', onError);
      this.#server.once('listening', onListening);
      this.#server.listen(port, host);
    });
  }

  get address(): AddressInfo | undefined {
    return (this.#server.address() as AddressInfo | null) ?? undefined;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Tell every client the system is shutting down, close them and stop listening. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const closing = [...this.#connections].map((c) => {
      c.closeWithNotice(DISCONNECT_SHUTDOWN);
      return c.whenClosed();
    });
    const stopped = this.#listening
      ? new Promise<void>((resolve) => this.#server.close(() => resolve()))
      : Promise.resolve();
    await Promise.all([...closing, stopped]);
  }

  #onConnection(socket: Socket): void {
    const ip = socket.remoteAddress;
    socket.on('error', () => {});
    if (!ip || this.#closing) {
      socket.destroy();
      return;
    }
    let allowed = false;
    try {
      allowed = (this.#opts.isAllowed ?? isLoopbackAddress)(ip);
    } catch (err) {
      this.#log.error({ err }, 'isAllowed threw; refusing the peer');
    }
    if (!allowed) {
      this.#log.warn({ ip }, 'event socket peer rejected by ACL');
      socket.end(rudeRejectionPacket());
      setTimeout(() => socket.destroy(), 2000).unref();
      return;
    }
    const conn = new EslConnection(
      this.#nextId++,
      socket,
      {
        password: this.#opts.password ?? 'ClueCon',
        authTimeoutMs: this.#opts.authTimeoutMs ?? 10_000,
        bus: this.#opts.bus,
        api: this.#opts.api,
        logTap: this.#opts.logTap,
        logger: this.#log,
        throttle: this.#throttle,
        maxPendingWriteBytes: this.#opts.maxPendingWriteBytes ?? 8 * 1024 * 1024,
        channelExists: this.#opts.channelExists,
        sendMsg: this.#opts.sendMsg,
      },
      (c) => this.#connections.delete(c),
    );
    this.#connections.add(conn);
    this.#log.debug({ ip, port: socket.remotePort }, 'event socket connection');
    conn.start();
  }
}
