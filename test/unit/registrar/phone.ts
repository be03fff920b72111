// A scripted phone on loopback for registrar tests: sends REGISTERs written by hand over UDP or
// TCP, answers the 401 with real digest credentials when given a password, and (optionally)
// answers the switch's keep-alive OPTIONS with 200. Every wait is bounded.
import dgram from 'node:dgram';
import net from 'node:net';
import { buildCredentials, parseAuthParams } from '../../../src/registrar/index.js';
import { createResponse, parseMessage, serialize, StreamFramer, type SipMessage, type SipRequest, type SipResponse } from '../../../src/sip/index.js';

export interface RegisterOptions {
  user?: string;
  /** Host of To/From and the Request-URI (default 127.0.0.1). */
  host?: string;
  /** Answer a 401 with credentials for this password. */
  password?: string;
  /** Username in the credentials (default: user). */
  authUser?: string;
  /** Contact values (default: one `<sip:user@127.0.0.1:myport>`); [] sends none. */
  contacts?: string[];
  expires?: string | undefined;
  callId?: string;
  cseq?: number;
  userAgent?: string;
  extra?: string[];
  /** Authorization header to send on the first request as is. */
  authorization?: string;
}

let seq = 0;

export class Phone {
  readonly received: SipMessage[] = [];
  readonly requests: SipRequest[] = [];
  answerOptions = true;
  #udp: dgram.Socket | undefined;
  #tcp: net.Socket | undefined;
  #framer = new StreamFramer();
  #waiters: Array<() => void> = [];
  #cseq = 0;
  readonly callId = `phone-${process.pid}-${++seq}`;

  private constructor(readonly transport: 'UDP' | 'TCP', readonly switchPort: number) {}

  static async udp(switchPort: number): Promise<Phone> {
    const p = new Phone('UDP', switchPort);
    const s = dgram.createSocket('udp4');
    p.#udp = s;
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    s.on('message', (m) => p.#onMessage(parseMessage(m)));
    return p;
  }

  static async tcp(switchPort: number): Promise<Phone> {
    const p = new Phone('TCP', switchPort);
    const s = net.connect(switchPort, '127.0.0.1');
    await new Promise<void>((r, j) => {
      s.once('connect', r);
      s.once('error', j);
    });
    s.on('error', () => {});
    s.on('data', (d) => {
      for (const ev of p.#framer.push(d)) if (ev.kind === 'message') p.#onMessage(parseMessage(ev.data, {}, false));
    });
    p.#tcp = s;
    return p;
  }

  get port(): number {
    return this.#udp ? this.#udp.address().port : this.#tcp!.localPort!;
  }

  #onMessage(m: SipMessage): void {
    this.received.push(m);
    if (m.kind === 'request') {
      this.requests.push(m);
      if (m.method === 'OPTIONS' && this.answerOptions) this.sendRaw(serialize(createResponse(m, 200)));
    }
    for (const w of this.#waiters.splice(0)) w();
  }

  sendRaw(data: string | Buffer): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.#udp) this.#udp.send(buf, this.switchPort, '127.0.0.1');
    else this.#tcp!.write(buf);
  }

  /** Wait for a message matching `pred` that arrived after index `from`. */
  async waitFor<T extends SipMessage>(pred: (m: SipMessage) => m is T, from = 0, ms = 3000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.received.slice(from).find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`phone ${this.port}: timed out waiting (${this.received.length} messages so far)`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The REGISTER text for these options. */
  registerText(o: RegisterOptions, cseq: number, authorization?: string): string {
    const user = o.user ?? '1000';
    const host = o.host ?? '127.0.0.1';
    const contacts = o.contacts ?? [`<sip:${user}@127.0.0.1:${this.port}${this.transport === 'TCP' ? ';transport=tcp' : ''}>`];
    const lines = [
      `REGISTER sip:${host} SIP/2.0`,
      `Via: SIP/2.0/${this.transport} 127.0.0.1:${this.port};branch=z9hG4bK${this.callId}-${cseq}-${Math.random().toString(36).slice(2, 8)};rport`,
      `From: <sip:${user}@${host}>;tag=ft${this.port}`,
      `To: <sip:${user}@${host}>`,
      `Call-ID: ${o.callId ?? this.callId}`,
      `CSeq: ${cseq} REGISTER`,
      ...contacts.map((c) => `Contact: ${c}`),
      ...(o.expires !== undefined ? [`Expires: ${o.expires}`] : []),
      `User-Agent: ${o.userAgent ?? 'TestPhone/1.0'}`,
      'Max-Forwards: 70',
      ...(authorization ? [`Authorization: ${authorization}`] : []),
      ...(o.extra ?? []),
    ];
    return `${lines.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`;
  }

  /** Send one REGISTER and return its final response. */
  async send(o: RegisterOptions, cseq = o.cseq ?? ++this.#cseq, authorization = o.authorization): Promise<SipResponse> {
    this.#cseq = Math.max(this.#cseq, cseq);
    const from = this.received.length;
    this.sendRaw(this.registerText(o, cseq, authorization));
    return this.waitFor((m): m is SipResponse => m.kind === 'response' && m.cseq?.seq === cseq && m.status >= 200, from);
  }

  /** REGISTER, and answer a 401 with credentials when a password is given. */
  async register(o: RegisterOptions = {}): Promise<{ first: SipResponse; final: SipResponse }> {
    const first = await this.send(o);
    if (first.status !== 401 || o.password === undefined) return { first, final: first };
    const final = await this.send(o, ++this.#cseq, answer(first, o.authUser ?? o.user ?? '1000', o.password, `sip:${o.host ?? '127.0.0.1'}`));
    return { first, final };
  }

  close(): void {
    this.#udp?.close();
    this.#tcp?.destroy();
  }
}

/** Credentials answering the challenge of a 401. */
export function answer(challenge: SipResponse, username: string, password: string, uri: string, nc = '00000001'): string {
  const p = parseAuthParams(challenge.get('www-authenticate')!);
  if (!p.ok) throw new Error(p.reason);
  return buildCredentials({
    algorithm: 'MD5',
    username,
    realm: p.value.params.get('realm')!,
    secret: { password },
    method: 'REGISTER',
    uri,
    nonce: p.value.params.get('nonce')!,
    qop: 'auth',
    nc,
    cnonce: 'c0ffee',
  });
}

/** Header lines of a response that say something about the decision (tags, nonces and dates aside). */
export function comparable(res: SipResponse): string[] {
  return [
    res.startLine,
    ...res.headers
      .filter((h) => h.name !== 'date')
      .map((h) => `${h.name}: ${h.value.replace(/;tag=[^;>,\s]+/g, ';tag=*').replace(/nonce="[^"]*"/g, 'nonce="*"').replace(/branch=[^;,\s]+/g, 'branch=*')}`),
  ];
}
