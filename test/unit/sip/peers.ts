// Raw UDP and TCP peers on loopback for stack tests: they send bytes we write by hand and
// collect what comes back, parsed.
import dgram from 'node:dgram';
import net from 'node:net';
import { parseMessage, StreamFramer, type SipMessage, type SipResponse } from '../../../src/sip/index.js';

export class UdpPeer {
  readonly received: SipMessage[] = [];
  readonly raw: Buffer[] = [];
  #socket = dgram.createSocket('udp4');
  #waiters: Array<() => void> = [];

  static async open(): Promise<UdpPeer> {
    const p = new UdpPeer();
    await new Promise<void>((r) => p.#socket.bind(0, '127.0.0.1', r));
    p.#socket.on('message', (m) => {
      p.raw.push(m);
      p.received.push(parseMessage(m));
      for (const w of p.#waiters.splice(0)) w();
    });
    return p;
  }

  get port(): number {
    return this.#socket.address().port;
  }

  send(text: string | Buffer, port: number): void {
    this.#socket.send(typeof text === 'string' ? Buffer.from(text) : text, port, '127.0.0.1');
  }

  /** Wait until `count` messages in total have arrived (bounded by `ms`). */
  async waitFor(count: number, ms = 3000): Promise<SipMessage[]> {
    const deadline = Date.now() + ms;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${count} messages, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received;
  }

  responses(): SipResponse[] {
    return this.received.filter((m): m is SipResponse => m.kind === 'response');
  }

  close(): void {
    this.#socket.close();
  }
}

export class TcpPeer {
  readonly received: SipMessage[] = [];
  readonly socket: net.Socket;
  closed = false;
  #framer = new StreamFramer();

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d) => {
      for (const ev of this.#framer.push(d)) if (ev.kind === 'message') this.received.push(parseMessage(ev.data, {}, false));
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  static async connect(port: number): Promise<TcpPeer> {
    const s = net.connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => {
      s.once('connect', r);
      s.once('error', j);
    });
    return new TcpPeer(s);
  }

  get port(): number {
    return this.socket.localPort!;
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  async waitFor(predicate: () => boolean, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A request written by hand, CRLF line ends, Content-Length filled in. */
export function rawRequest(lines: string[], body = ''): string {
  return `${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

export function options(port: number, opts: { branch?: string; transport?: string; extra?: string[]; method?: string; uri?: string; rport?: boolean; viaPort?: number } = {}): string {
  const method = opts.method ?? 'OPTIONS';
  return rawRequest([
    `${method} ${opts.uri ?? 'sip:switch@127.0.0.1'} SIP/2.0`,
    `Via: SIP/2.0/${opts.transport ?? 'UDP'} 127.0.0.1:${opts.viaPort ?? port};branch=${opts.branch ?? 'z9hG4bKopt1'}${opts.rport === false ? '' : ';rport'}`,
    'From: <sip:tester@127.0.0.1>;tag=abc',
    'To: <sip:switch@127.0.0.1>',
    `Call-ID: ${opts.branch ?? 'opt1'}@test`,
    `CSeq: 1 ${method}`,
    'Max-Forwards: 70',
    ...(opts.extra ?? []),
  ]);
}
