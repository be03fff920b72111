// SIP over UDP (RFC 3261 §18): one datagram is one message. Receives on the profile's address
// and port, sends from the same socket (so responses and requests leave from the port phones
// registered to, which NAT bindings need). Literal IPs only; no DNS.

import dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from '../../common/index.js';
import { nowMicros, type SipTrace } from '../trace.js';
import { TransportError } from '../errors.js';
import type { SendTarget, Transport, TransportReceiver } from './transport.js';

export interface UdpTransportOptions {
  address: string;
  port: number;
  receiver: TransportReceiver;
  trace: SipTrace;
  profile: string;
  logger: Logger;
  /** Kernel receive buffer in bytes (bursts of REGISTERs after a restart). */
  receiveBufferBytes?: number;
}

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly localAddress: string;
  #port: number;
  readonly #socket: dgram.Socket;
  readonly #opts: UdpTransportOptions;
  #closed = false;

  private constructor(socket: dgram.Socket, opts: UdpTransportOptions, port: number) {
    this.#socket = socket;
    this.#opts = opts;
    this.localAddress = opts.address;
    this.#port = port;
  }

  static async listen(opts: UdpTransportOptions): Promise<UdpTransport> {
    const type = isIP(opts.address) === 6 ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({ type, reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port, opts.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(opts.receiveBufferBytes ?? 4 * 1024 * 1024);
      socket.setSendBufferSize(4 * 1024 * 1024);
    } catch {
      // The kernel may cap the size; the default still works.
    }
    const t = new UdpTransport(socket, opts, socket.address().port);
    socket.on('message', (msg, rinfo) => t.#onMessage(msg, rinfo));
    socket.on('error', (err) => opts.logger.warn({ err }, 'udp socket error'));
    return t;
  }

  get localPort(): number {
    return this.#port;
  }

  #onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const source = {
      transport: 'udp' as const,
      remoteAddress: rinfo.address,
      remotePort: rinfo.port,
      localAddress: this.localAddress,
      localPort: this.#port,
    };
    const trace = this.#opts.trace;
    if (trace.active) {
      trace.publish({
        direction: 'recv', transport: 'udp', localAddress: this.localAddress, localPort: this.#port,
        remoteAddress: rinfo.address, remotePort: rinfo.port, timeUs: nowMicros(), bytes: msg, profile: this.#opts.profile,
      });
    }
    try {
      this.#opts.receiver.onData(msg, source, true);
    } catch (err) {
      // Nothing throws out of a socket callback.
      this.#opts.logger.error({ err }, 'error handling udp datagram');
    }
  }

  send(data: Buffer, target: SendTarget, onError?: (err: Error) => void): void {
    if (this.#closed) {
      onError?.(new TransportError('udp transport closed'));
      return;
    }
    if (isIP(target.address) === 0) {
      onError?.(new TransportError(`not an IP address: ${target.address}`));
      return;
    }
    const trace = this.#opts.trace;
    if (trace.active) {
      trace.publish({
        direction: 'send', transport: 'udp', localAddress: this.localAddress, localPort: this.#port,
        remoteAddress: target.address, remotePort: target.port, timeUs: nowMicros(), bytes: data, profile: this.#opts.profile,
      });
    }
    if (onError) {
      this.#socket.send(data, target.port, target.address, (err) => {
        if (err) onError(err);
      });
    } else this.#socket.send(data, target.port, target.address);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }
}
