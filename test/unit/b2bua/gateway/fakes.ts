// Test support for gateway unit tests: a gateway configuration from a param table (through the
// real config reader), a manual clock whose timers fire only when the test advances it, and a
// fake SIP side that records each request the gateway sends and lets the test answer it.

import type { ClientTransactionUser, Hop, SipRequest, SipResponse } from '../../../../src/sip/index.js';
import { createResponse } from '../../../../src/sip/index.js';
import type { GatewayConf, XmlElement } from '../../../../src/config/index.js';
import { readGateway } from '../../../../src/config/gateway-conf.js';
import type { GatewayClock, GatewaySip } from '../../../../src/b2bua/index.js';

const POS = { file: 'test.xml', line: 1, column: 1 };

function el(name: string, attrs: Record<string, string>, children: XmlElement[] = []): XmlElement {
  return { name, attrs, children, text: '', pos: POS };
}

/** `<gateway name=…>` with the params and `<variables>` given. */
export function gatewayConf(name: string, params: Record<string, string>, variables: Array<{ name: string; value: string; direction?: string }> = []): GatewayConf {
  const children = Object.entries(params).map(([k, v]) => el('param', { name: k, value: v }));
  if (variables.length > 0) {
    children.push(el('variables', {}, variables.map((v) => el('variable', { name: v.name, value: v.value, ...(v.direction ? { direction: v.direction } : {}) }))));
  }
  return readGateway(el('gateway', { name }, children));
}

export class ManualClock implements GatewayClock {
  t = 1_700_000_000_000;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Move time forward, firing due timers in order (at most 1000 of them). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let i = 0; i < 1000; i++) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.#timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }

  /** Milliseconds until the earliest timer, or undefined. */
  nextIn(): number | undefined {
    let min: number | undefined;
    for (const e of this.#timers.values()) if (min === undefined || e.at < min) min = e.at;
    return min === undefined ? undefined : min - this.t;
  }
}

export interface SentRequest {
  req: SipRequest;
  hop: Hop;
  user: ClientTransactionUser;
}

export class FakeSip implements GatewaySip {
  readonly advertisedAddress = '192.0.2.10';
  readonly port = 5080;
  readonly sent: SentRequest[] = [];

  sendRequest(req: SipRequest, hop: Hop, user: ClientTransactionUser): unknown {
    this.sent.push({ req, hop, user });
    return undefined;
  }

  /** Requests of one method, in order. */
  of(method: string): SentRequest[] {
    return this.sent.filter((s) => s.req.method === method);
  }

  last(method = 'REGISTER'): SentRequest {
    const list = this.of(method);
    if (list.length === 0) throw new Error(`no ${method} sent`);
    return list[list.length - 1]!;
  }

  /** Answer a sent request with `status` (and headers), from the hop's address. */
  answer(s: SentRequest, status: number, headers: Array<[string, string]> = []): SipResponse {
    const res = createResponse(s.req, status, { headers });
    res.source = { transport: 'udp', remoteAddress: s.hop.address, remotePort: s.hop.port, localAddress: this.advertisedAddress, localPort: this.port };
    s.user.onResponse(res, undefined as never);
    return res;
  }

  timeout(s: SentRequest): void {
    s.user.onTimeout(undefined as never);
  }
}

/** Let queued promise callbacks run (the gateway awaits its hop before sending). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
