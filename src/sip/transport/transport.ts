// What a transport offers the stack and what the stack must provide in return. A transport
// moves bytes: it frames streams, never parses SIP, sends only to literal IP addresses (no name
// resolution here), and never lets one bad peer affect another.

import type { MessageSource } from '../message.js';

export type TransportProtocol = 'udp' | 'tcp';

/** Where to send: a literal IP and port, and for streams optionally a known connection. */
export interface SendTarget {
  readonly address: string;
  readonly port: number;
  readonly connectionId?: string | undefined;
}

/** Implemented by the stack. */
export interface TransportReceiver {
  /** One datagram or one framed stream message. */
  onData(data: Buffer, source: MessageSource, datagram: boolean): void;
  /**
   * A stream could not be framed (bad or oversize Content-Length, oversize header block).
   * The receiver may answer through `reply` (same connection); the connection then closes.
   */
  onStreamError(status: number, reason: string, head: Buffer | undefined, source: MessageSource, reply: (data: Buffer) => void): void;
  /** A stream connection went away (for registrations bound to it). */
  onConnectionClosed?(connectionId: string): void;
}

export interface Transport {
  readonly protocol: TransportProtocol;
  readonly localAddress: string;
  readonly localPort: number;
  /** Send bytes; failures are reported through `onError` (never thrown). */
  send(data: Buffer, target: SendTarget, onError?: (err: Error) => void): void;
  close(): Promise<void>;
}
