// The SIP message model: a request or a response (a union on `kind`), headers kept in order as
// (canonical name, name as written, raw value), the body as a Buffer, and the bytes as received
// for siptrace. Typed values (Via, CSeq, name-addr, URI) are parsed on first access and cached;
// treat them as read-only views and change a header with setHeader/addHeader so the text and
// the cache never disagree.

import { canonicalHeaderName, MULTI_VALUE_HEADERS, prettyHeaderName } from './header-names.js';
import { internKey } from './intern.js';
import { NameAddr, parseBoundedInt, parseCSeq, parseNameAddr, parseVia, Via, type CSeq } from './header-values.js';
import { splitOutside } from './text.js';
import { parseUri, type Uri } from './uri.js';

export interface SipHeader {
  /** Canonical key: lower case, compact form expanded (`v` → `via`). */
  readonly name: string;
  /** The name as written on the wire (or the pretty form for headers we add). */
  readonly written: string;
  value: string;
}

/** Where a received message came from and on which local socket. */
export interface MessageSource {
  readonly transport: 'udp' | 'tcp';
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** For stream transports: the connection it arrived on, to answer on the same one. */
  readonly connectionId?: string;
}

const EMPTY = Buffer.alloc(0);

/** Header name as callers write it → canonical key (cached: callers use a handful of names). */
const KEY_CACHE = new Map<string, string>();
function keyOf(name: string): string {
  let key = KEY_CACHE.get(name);
  if (key === undefined) {
    key = internKey(canonicalHeaderName(name));
    if (KEY_CACHE.size < 1024) KEY_CACHE.set(name, key);
  }
  return key;
}

abstract class SipMessageBase {
  headers: SipHeader[];
  body: Buffer;
  /** The bytes as received (undefined for messages we built). */
  raw: Buffer | undefined;
  /** Set by the transport on received messages. */
  source: MessageSource | undefined;
  // Typed values parsed on first access (null = not parsed yet).
  #cseq: CSeq | undefined | null = null;
  #from: NameAddr | undefined | null = null;
  #to: NameAddr | undefined | null = null;
  #vias: Array<Via | undefined> | null = null;
  #contacts: Array<NameAddr | undefined> | null = null;
  #routes: Map<string, Array<NameAddr | undefined>> | null = null;

  constructor(headers: SipHeader[] = [], body: Buffer = EMPTY) {
    this.headers = headers;
    this.body = body;
    this.raw = undefined;
    this.source = undefined;
  }

  // ---- raw header access -------------------------------------------------------------

  /** First raw value of a header (any spelling or compact form of the name). */
  get(name: string): string | undefined {
    const key = keyOf(name);
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (hs[i]!.name === key) return hs[i]!.value;
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every value of a header: lines in order, list headers split on commas outside quotes/<>. */
  getAll(name: string): string[] {
    const key = keyOf(name);
    const out: string[] = [];
    const multi = MULTI_VALUE_HEADERS.has(key);
    for (const h of this.headers) {
      if (h.name !== key) continue;
      if (multi) {
        const parts = splitOutside(h.value, 44);
        if (parts) for (const p of parts) out.push(p);
        else out.push(h.value);
      } else out.push(h.value);
    }
    return out;
  }

  /** Number of header lines with this name. */
  countHeader(name: string): number {
    const key = keyOf(name);
    let n = 0;
    for (const h of this.headers) if (h.name === key) n++;
    return n;
  }

  /** Replace every line of this header with one line holding `value`. */
  setHeader(name: string, value: string): this {
    const key = keyOf(name);
    const i = this.headers.findIndex((h) => h.name === key);
    if (i < 0) {
      this.headers.push({ name: key, written: prettyHeaderName(key), value });
    } else {
      this.headers[i]!.value = value;
      this.headers = this.headers.filter((h, j) => j <= i || h.name !== key);
    }
    this.#invalidate(key);
    return this;
  }

  /** Append a header line (or put it before the first line of the same name with `first`). */
  addHeader(name: string, value: string, first = false): this {
    const key = keyOf(name);
    const header = { name: key, written: prettyHeaderName(key), value };
    if (first) {
      const i = this.headers.findIndex((h) => h.name === key);
      if (i >= 0) this.headers.splice(i, 0, header);
      else this.headers.push(header);
    } else this.headers.push(header);
    this.#invalidate(key);
    return this;
  }

  /**
   * Replace the first value of a list header (the top Via, the first Route), which may share
   * a line with later values (`v1, v2`); other lines stay as they are.
   */
  replaceFirstValue(name: string, value: string): this {
    const key = keyOf(name);
    const i = this.headers.findIndex((h) => h.name === key);
    if (i < 0) return this.addHeader(name, value);
    const h = this.headers[i]!;
    const parts = splitOutside(h.value, 44);
    const rest = parts && parts.length > 1 ? parts.slice(1).join(', ') : undefined;
    this.headers[i] = { name: h.name, written: h.written, value: rest === undefined ? value : `${value}, ${rest}` };
    this.#invalidate(key);
    return this;
  }

  /** Remove the first value of a list header (dropping the line when it was the only one). */
  removeFirstValue(name: string): this {
    const key = keyOf(name);
    const i = this.headers.findIndex((h) => h.name === key);
    if (i < 0) return this;
    const h = this.headers[i]!;
    const parts = splitOutside(h.value, 44);
    if (parts && parts.length > 1) this.headers[i] = { name: h.name, written: h.written, value: parts.slice(1).join(', ') };
    else this.headers.splice(i, 1);
    this.#invalidate(key);
    return this;
  }

  removeHeader(name: string): this {
    const key = keyOf(name);
    this.headers = this.headers.filter((h) => h.name !== key);
    this.#invalidate(key);
    return this;
  }

  /** Set the body and keep Content-Length (and, if given, Content-Type) in step. */
  setBody(body: Buffer | string, contentType?: string): this {
    this.body = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    if (contentType !== undefined) this.setHeader('content-type', contentType);
    else if (this.body.length === 0) this.removeHeader('content-type');
    this.setHeader('content-length', String(this.body.length));
    return this;
  }

  // ---- typed values (parsed once, cached) -------------------------------------------

  #invalidate(key: string): void {
    switch (key) {
      case 'cseq': this.#cseq = null; break;
      case 'from': this.#from = null; break;
      case 'to': this.#to = null; break;
      case 'via': this.#vias = null; break;
      case 'contact': this.#contacts = null; break;
      default: this.#routes?.delete(key);
    }
  }

  /** Every value of a list header, parsed; a value without a comma skips the splitter. */
  #parsedList<T>(key: string, parse: (v: string) => T | undefined): Array<T | undefined> {
    const out: Array<T | undefined> = [];
    for (const h of this.headers) {
      if (h.name !== key) continue;
      if (h.value.indexOf(',') < 0) out.push(parse(h.value));
      else {
        const parts = splitOutside(h.value, 44);
        if (parts) for (const p of parts) out.push(parse(p));
        else out.push(undefined);
      }
    }
    return out;
  }

  get callId(): string {
    return this.get('call-id') ?? '';
  }

  /** CSeq; undefined when missing or malformed (the validator rejects such requests). */
  get cseq(): CSeq | undefined {
    if (this.#cseq === null) {
      const v = this.get('cseq');
      this.#cseq = v === undefined ? undefined : parseCSeq(v);
    }
    return this.#cseq;
  }

  get from(): NameAddr | undefined {
    if (this.#from === null) {
      const v = this.get('from');
      this.#from = v === undefined ? undefined : parseNameAddr(v);
    }
    return this.#from;
  }

  get to(): NameAddr | undefined {
    if (this.#to === null) {
      const v = this.get('to');
      this.#to = v === undefined ? undefined : parseNameAddr(v);
    }
    return this.#to;
  }

  get fromTag(): string | undefined {
    return this.from?.tag;
  }

  get toTag(): string | undefined {
    return this.to?.tag;
  }

  /** Every Via value in order; an unparsable value is returned as undefined in place. */
  get vias(): Array<Via | undefined> {
    if (this.#vias === null) this.#vias = this.#parsedList('via', parseVia);
    return this.#vias;
  }

  get topVia(): Via | undefined {
    return this.vias[0];
  }

  /** Contact values; unparsable values are undefined in place. */
  get contacts(): Array<NameAddr | undefined> {
    if (this.#contacts === null) this.#contacts = this.#parsedList('contact', parseNameAddr);
    return this.#contacts;
  }

  get contact(): NameAddr | undefined {
    return this.contacts[0];
  }

  /** Route or Record-Route values as name-addrs. */
  nameAddrs(name: 'route' | 'record-route' | 'path' | 'service-route'): Array<NameAddr | undefined> {
    if (this.#routes === null) this.#routes = new Map();
    let list = this.#routes.get(name);
    if (!list) {
      list = this.#parsedList(name, parseNameAddr);
      this.#routes.set(name, list);
    }
    return list;
  }

  get maxForwards(): number | undefined {
    const v = this.get('max-forwards');
    return v === undefined ? undefined : parseBoundedInt(v, 255);
  }

  /** `Expires` header value in seconds, if present and numeric. */
  get expires(): number | undefined {
    const v = this.get('expires');
    return v === undefined ? undefined : parseBoundedInt(v, 0xffffffff);
  }

  /** Media type of the body in lower case without parameters (`application/sdp`). */
  get contentType(): string | undefined {
    const v = this.get('content-type');
    if (v === undefined) return undefined;
    const semi = v.indexOf(';');
    return (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
  }

  /** Option tags of a Require/Supported/Unsupported-style header, lower-cased. */
  optionTags(name: string): string[] {
    return this.getAll(name).map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0);
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  method: string;
  /** Request-URI as written. */
  uri: string;
  #parsedUri: Uri | undefined | null = null;

  constructor(method: string, uri: string, headers?: SipHeader[], body?: Buffer) {
    super(headers, body);
    this.method = method;
    this.uri = uri;
  }

  /** The Request-URI parsed (cached); undefined if it is not a URI. */
  get requestUri(): Uri | undefined {
    if (this.#parsedUri === null) this.#parsedUri = parseUri(this.uri);
    return this.#parsedUri;
  }

  setUri(uri: string): this {
    this.uri = uri;
    this.#parsedUri = null;
    return this;
  }

  get startLine(): string {
    return `${this.method} ${this.uri} SIP/2.0`;
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  status: number;
  reason: string;

  constructor(status: number, reason: string, headers?: SipHeader[], body?: Buffer) {
    super(headers, body);
    this.status = status;
    this.reason = reason;
  }

  get startLine(): string {
    return `SIP/2.0 ${this.status} ${this.reason}`;
  }
}

export type SipMessage = SipRequest | SipResponse;

/** Build a header list from [name, value] pairs, names in their conventional spelling. */
export function headerList(pairs: Array<[string, string]>): SipHeader[] {
  return pairs.map(([n, v]) => {
    const name = keyOf(n);
    return { name, written: n.length > 1 ? n : prettyHeaderName(name), value: v };
  });
}
