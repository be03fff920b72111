// Typed values of the headers the stack itself needs: name-addr (From, To, Contact, Route,
// Record-Route, Refer-To …), Via, CSeq. Each parser returns undefined for malformed text so
// the message validator can answer 400 with a precise reason; none of them throws.

import { isIPv6, isHostname, parsePort, parseUri, type Uri } from './uri.js';
import { LazyParams, isToken, quote, unquote, validateParamsFinding, type Params } from './text.js';

/** `"Display" <uri>;params` or `uri;params` (addr-spec form), or `*` (Contact wildcard). */
export class NameAddr {
  /** Display name without quotes or escapes; undefined when absent. */
  display: string | undefined;
  /** The URI text as written between `<` and `>` (or the addr-spec). */
  uri: string;
  /** True for the Contact wildcard `*`. */
  readonly wildcard: boolean;
  #params: LazyParams;
  #parsed: Uri | undefined | null = null;

  /** `params` as a map, or the parameter text as written (`;tag=1;q=0.5`), parsed when needed. */
  constructor(uri: string, display?: string, params?: Params | string, wildcard = false, tag?: { value: string | null | undefined }) {
    this.uri = uri;
    this.display = display;
    this.#params = new LazyParams(params, tag && { name: 'tag', value: tag.value });
    this.wildcard = wildcard;
  }

  get params(): Params {
    return this.#params.map;
  }

  set params(m: Params) {
    this.#params.map = m;
  }

  /** A parameter's value without building the map (null: present without a value). */
  param(name: string): string | null | undefined {
    return this.#params.get(name);
  }

  get tag(): string | undefined {
    const t = this.#params.get('tag');
    return t === null ? undefined : t;
  }

  set tag(value: string | undefined) {
    if (value === undefined) this.params.delete('tag');
    else this.params.set('tag', value);
  }

  /** The URI parsed (cached); undefined when it is not a valid URI. */
  get parsedUri(): Uri | undefined {
    if (this.#parsed === null) this.#parsed = parseUri(this.uri);
    return this.#parsed;
  }

  /** `expires` parameter as a number, if present and numeric. */
  get expires(): number | undefined {
    const e = this.#params.get('expires');
    if (e === undefined || e === null || !/^\d+$/.test(e)) return undefined;
    return Number(e);
  }

  clone(): NameAddr {
    return new NameAddr(this.uri, this.display, new Map(this.params), this.wildcard);
  }

  toString(): string {
    if (this.wildcard) return '*';
    const d = this.display !== undefined && this.display.length > 0 ? `${quote(this.display)} ` : '';
    return `${d}<${this.uri}>${this.#params.toString()}`;
  }
}

/** Parse one name-addr / addr-spec value (already unfolded, not a comma list). */
export function parseNameAddr(text: string): NameAddr | undefined {
  let start = 0;
  let end = text.length;
  while (start < end && isWs(text.charCodeAt(start))) start++;
  while (end > start && isWs(text.charCodeAt(end - 1))) end--;
  if (start === end) return undefined;
  if (end - start === 1 && text.charCodeAt(start) === 42 /* * */) return new NameAddr('*', undefined, new Map(), true);
  let i = start;
  let display: string | undefined;
  if (text.charCodeAt(start) === 34 /* " */) {
    // quoted-string display name
    let j = start + 1;
    let escaped = false;
    for (; j < end; j++) {
      const c = text.charCodeAt(j);
      if (c === 92) {
        j++;
        escaped = true;
      } else if (c === 34) break;
    }
    if (j >= end) return undefined; // unbalanced quote
    display = escaped ? unquote(text.slice(start, j + 1)) : text.slice(start + 1, j);
    i = j + 1;
    while (i < end && isWs(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 60 /* < */) return undefined;
  }
  const lt = text.indexOf('<', i);
  if (lt >= 0 && lt < end) {
    if (display === undefined && lt > start) {
      const tokens = text.slice(start, lt).trim();
      if (tokens.length > 0) {
        for (const tok of tokens.split(/[ \t]+/)) if (!isToken(tok)) return undefined;
        display = tokens;
      }
    }
    const gt = text.indexOf('>', lt + 1);
    if (gt < 0 || gt >= end) return undefined;
    let us = lt + 1;
    let ue = gt;
    while (us < ue && isWs(text.charCodeAt(us))) us++; // tolerate `< sip:x >` (RFC 4475 badaspec)
    while (ue > us && isWs(text.charCodeAt(ue - 1))) ue--;
    if (us === ue) return undefined;
    const uri = text.slice(us, ue);
    if (uri.indexOf('<') >= 0) return undefined;
    let p = gt + 1;
    while (p < end && isWs(text.charCodeAt(p))) p++;
    if (p < end && text.charCodeAt(p) !== 59) return undefined;
    const params = p < end ? text.slice(p, end) : '';
    const tag = params === '' ? true : validateParamsFinding(params, 'tag');
    if (tag === false) return undefined;
    return new NameAddr(uri, display, params, false, { value: tag === true ? undefined : tag });
  }
  if (display !== undefined) return undefined;
  // addr-spec form: the URI ends at the first ';' and may hold no ',', '?' or ';' of its own.
  const semi = text.indexOf(';', start);
  let ue = semi < 0 || semi > end ? end : semi;
  while (ue > start && isWs(text.charCodeAt(ue - 1))) ue--;
  const uri = text.slice(start, ue);
  if (uri.length === 0 || ADDR_SPEC_FORBIDDEN.test(uri)) return undefined;
  const params = semi < 0 || semi > end ? '' : text.slice(semi, end);
  const tag = params === '' ? true : validateParamsFinding(params, 'tag');
  if (tag === false) return undefined;
  return new NameAddr(uri, undefined, params, false, { value: tag === true ? undefined : tag });
}

const ADDR_SPEC_FORBIDDEN = /[\s?,"]/;

function isWs(c: number): boolean {
  return c === 32 || c === 9;
}

/** A Via value: `SIP/2.0/UDP host:port;branch=…;rport`. */
export class Via {
  #params: LazyParams;

  constructor(
    public transport: string,
    public host: string,
    public port: number | undefined,
    params: Params | string,
    public protocol = 'SIP/2.0',
    branch?: { value: string | null | undefined },
  ) {
    this.#params = new LazyParams(params, branch && { name: 'branch', value: branch.value });
  }

  get params(): Params {
    return this.#params.map;
  }

  set params(m: Params) {
    this.#params.map = m;
  }

  get branch(): string | undefined {
    const b = this.#params.get('branch');
    return b === null ? undefined : b;
  }

  get received(): string | undefined {
    const r = this.#params.get('received');
    return r === null ? undefined : r;
  }

  /** undefined: no rport; null: `rport` without a value; number: the filled-in port. */
  get rport(): number | null | undefined {
    const r = this.#params.get('rport');
    if (r === undefined) return undefined;
    if (r === null || r === '') return null;
    return parsePort(r) ?? null;
  }

  get maddr(): string | undefined {
    const m = this.#params.get('maddr');
    return m === null ? undefined : m;
  }

  /** `host[:port]` as the transaction key's sent-by. */
  get sentBy(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return this.port === undefined ? h : `${h}:${this.port}`;
  }

  clone(): Via {
    return new Via(this.transport, this.host, this.port, new Map(this.params), this.protocol);
  }

  toString(): string {
    return `${this.protocol}/${this.transport} ${this.sentBy}${this.#params.toString()}`;
  }
}

/** Parse one Via value (not a comma list): `SIP / 2.0 / UDP host:port ;params`, LWS allowed around `/`. */
export function parseVia(text: string): Via | undefined {
  const n = text.length;
  let i = 0;
  while (i < n && isWs(text.charCodeAt(i))) i++;
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport
  if (text.startsWith('SIP/2.0/', i)) {
    // Fast path for the form every phone sends.
    i += 8;
    const t0 = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (isWs(c) || c === 59) break;
      i++;
    }
    let transport = text.slice(t0, i);
    if (!isToken(transport)) return undefined;
    if (transport !== 'UDP' && transport !== 'TCP') transport = transport.toUpperCase();
    if (i >= n || !isWs(text.charCodeAt(i))) return undefined;
    while (i < n && isWs(text.charCodeAt(i))) i++;
    return viaRest(text, i, transport, 'SIP/2.0');
  }
  const parts: string[] = [];
  for (let k = 0; k < 3; k++) {
    const s0 = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 47 /* / */ || isWs(c) || (k === 2 && c === 59)) break;
      i++;
    }
    if (i === s0) return undefined;
    parts.push(text.slice(s0, i));
    while (i < n && isWs(text.charCodeAt(i))) i++;
    if (k < 2) {
      if (text.charCodeAt(i) !== 47) return undefined;
      i++;
      while (i < n && isWs(text.charCodeAt(i))) i++;
    }
  }
  const [name, version, transport] = parts as [string, string, string];
  if (name.length !== 3 || name.toUpperCase() !== 'SIP' || !isToken(version) || !isToken(transport)) return undefined;
  return viaRest(text, i, transport.toUpperCase(), `SIP/${version}`);
}

/** sent-by and parameters of a Via, from `i`. */
function viaRest(text: string, i: number, transport: string, protocol: string): Via | undefined {
  const n = text.length;
  // sent-by, up to the parameters
  const semi = text.indexOf(';', i);
  let e = semi < 0 ? n : semi;
  while (e > i && isWs(text.charCodeAt(e - 1))) e--;
  if (e === i) return undefined;
  const sb = text.slice(i, e);
  let host: string;
  let port: number | undefined;
  if (sb.charCodeAt(0) === 91) {
    const close = sb.indexOf(']');
    if (close < 0) return undefined;
    host = sb.slice(1, close);
    if (!isIPv6(host)) return undefined;
    const after = sb.slice(close + 1).trim();
    if (after.length > 0) {
      if (after[0] !== ':') return undefined;
      port = parsePort(after.slice(1).trim());
      if (port === undefined) return undefined;
    }
  } else {
    const colon = sb.indexOf(':');
    if (colon >= 0) {
      host = sb.slice(0, colon).trim();
      port = parsePort(sb.slice(colon + 1).trim());
      if (port === undefined) return undefined;
    } else host = sb;
    if (!isHostname(host)) return undefined;
  }
  const params = semi < 0 ? '' : text.slice(semi);
  const branch = params === '' ? true : validateParamsFinding(params, 'branch');
  if (branch === false) return undefined;
  return new Via(transport, host, port, params, protocol, { value: branch === true ? undefined : branch });
}

export interface CSeq {
  seq: number;
  method: string;
}

/** `CSeq: 0009 INVITE` → { seq: 9, method: 'INVITE' }; numbers must stay below 2^31. */
export function parseCSeq(text: string): CSeq | undefined {
  const n = text.length;
  let i = 0;
  while (i < n && isWs(text.charCodeAt(i))) i++;
  let seq = 0;
  const d0 = i;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
    i++;
  }
  if (i === d0 || i - d0 > 10 || seq > 0x7fffffff) return undefined;
  if (i >= n || !isWs(text.charCodeAt(i))) return undefined;
  while (i < n && isWs(text.charCodeAt(i))) i++;
  let e = n;
  while (e > i && isWs(text.charCodeAt(e - 1))) e--;
  const method = text.slice(i, e);
  if (!isToken(method)) return undefined;
  return { seq, method };
}

/** A non-negative decimal integer with an upper bound; undefined otherwise. */
export function parseBoundedInt(text: string, max: number): number | undefined {
  const s = text.trim();
  if (!/^\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}
