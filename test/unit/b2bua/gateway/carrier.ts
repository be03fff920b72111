// Test support: a scripted SIP carrier on a loopback UDP socket. It records every request,
// answers through a handler the test installs (challenge, refuse, answer), and can send its
// own requests (an inbound INVITE) to the switch. Every wait is bounded.
import dgram from 'node:dgram';
import { createResponse, parseMessage, serialize, type SipMessage, type SipRequest, type SipResponse } from '../../../../src/sip/index.js';

export type CarrierHandler = (req: SipRequest, carrier: Carrier) => void;

export class Carrier {
  readonly received: SipMessage[] = [];
  handler: CarrierHandler = () => {};
  #socket: dgram.Socket;
  #waiters: Array<() => void> = [];

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    socket.on('message', (m, rinfo) => {
      let msg: SipMessage;
      try {
        msg = parseMessage(m);
      } catch {
        return;
      }
      msg.source = { transport: 'udp', remoteAddress: rinfo.address, remotePort: rinfo.port, localAddress: '127.0.0.1', localPort: this.port };
      this.received.push(msg);
      if (msg.kind === 'request' && msg.method !== 'ACK') this.handler(msg, this);
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async start(): Promise<Carrier> {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    return new Carrier(s);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  requests(method: string): SipRequest[] {
    return this.received.filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
  }

  /** Answer `req` with `status`; the To-tag is fixed per Call-ID so retransmissions match. */
  reply(req: SipRequest, status: number, headers: Array<[string, string]> = [], body?: string): SipResponse {
    const res = createResponse(req, status, { headers, toTag: `carrier${req.callId.length}` });
    if (body) res.setBody(body, 'application/sdp');
    else res.setHeader('Content-Length', '0');
    this.send(serialize(res), req.source!.remotePort);
    return res;
  }

  send(data: Buffer | string, port: number): void {
    this.#socket.send(typeof data === 'string' ? Buffer.from(data) : data, port, '127.0.0.1');
  }

  async waitFor<T extends SipMessage>(pred: (m: SipMessage) => m is T, ms = 3000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`carrier ${this.port}: timed out (${this.received.length} messages so far)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.#socket.close();
  }
}

export const SDP = 'v=0\r\no=carrier 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
