// Typed values of the headers the stack itself needs: name-addr (From, To, Contact, Route,
// Record-Route, Refer-To …), Via, CSeq. Each parser returns undefined for malformed text so
// the message validator can answer 400 with a precise reason; none of them throws.

import { isIPv6, isHostname, parsePort, parseUri, type Uri } from './uri.js';
import { formatParams, isToken, parseParams, quote, unquote, type Params } from './text.js';

/** `"Display" <uri>;params` or `uri;params` (addr-spec form), or `*` (Contact wildcard). */
export class NameAddr {
  /** Display name without quotes or escapes; undefined when absent. */
  display: string | undefined;
  /** The URI text as written between `<` and `>` (or the addr-spec). */
  uri: string;
  params: Params;
  /** True for the Contact wildcard `*`. */
  readonly wildcard: boolean;
  #parsed: Uri | undefined | null = null;

  constructor(uri: string, display?: string, params?: Params, wildcard = false) {
    this.uri = uri;
    this.display = display;
    this.params = params ?? new Map();
    this.wildcard = wildcard;
  }

  get tag(): string | undefined {
    const t = this.params.get('tag');
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
    const e = this.params.get('expires');
    if (e === undefined || e === null || !/^\d+$/.test(e)) return undefined;
    return Number(e);
  }

  clone(): NameAddr {
    return new NameAddr(this.uri, this.display, new Map(this.params), this.wildcard);
  }

  toString(): string {
    if (this.wildcard) return '*';
    const d = this.display !== undefined && this.display.length > 0 ? `${quote(this.display)} ` : '';
    return `${d}<${this.uri}>${formatParams(this.params)}`;
  }
}

/** Parse one name-addr / addr-spec value (already unfolded, not a comma list). */
export function parseNameAddr(text: string): NameAddr | undefined {
  const s = text.trim();
  if (s === '*') return new NameAddr('*', undefined, new Map(), true);
  if (s.length === 0) return undefined;
  let i = 0;
  let display: string | undefined;
  if (s.charCodeAt(0) === 34 /* " */) {
    // quoted-string display name
    let j = 1;
    for (; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 92) j++;
      else if (c === 34) break;
    }
    if (j >= s.length) return undefined; // unbalanced quote
    display = unquote(s.slice(0, j + 1));
    i = j + 1;
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    if (s.charCodeAt(i) !== 60 /* < */) return undefined;
  }
  const lt = s.indexOf('<', i);
  if (lt >= 0) {
    if (display === undefined) {
      const tokens = s.slice(0, lt).trim();
      if (tokens.length > 0) {
        for (const tok of tokens.split(/[ \t]+/)) if (!isToken(tok)) return undefined;
        display = tokens;
      }
    }
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0) return undefined;
    const uri = s.slice(lt + 1, gt).trim(); // tolerate `< sip:x >` (RFC 4475 badaspec)
    if (uri.length === 0 || uri.includes('<')) return undefined;
    const params = parseParams(s.slice(gt + 1));
    if (!params) return undefined;
    const rest = s.slice(gt + 1).trim();
    if (rest.length > 0 && rest.charCodeAt(0) !== 59) return undefined;
    return new NameAddr(uri, display, params);
  }
  if (display !== undefined) return undefined;
  // addr-spec form: the URI ends at the first ';' and may hold no ',', '?' or ';' of its own.
  const semi = s.indexOf(';');
  const uri = (semi < 0 ? s : s.slice(0, semi)).trim();
  if (uri.length === 0 || /[\s?,"]/.test(uri)) return undefined;
  const params = parseParams(semi < 0 ? '' : s.slice(semi));
  if (!params) return undefined;
  return new NameAddr(uri, undefined, params);
}

/** A Via value: `SIP/2.0/UDP host:port;branch=…;rport`. */
export class Via {
  constructor(
    public transport: string,
    public host: string,
    public port: number | undefined,
    public params: Params,
    public protocol = 'SIP/2.0',
  ) {}

  get branch(): string | undefined {
    const b = this.params.get('branch');
    return b === null ? undefined : b;
  }

  get received(): string | undefined {
    const r = this.params.get('received');
    return r === null ? undefined : r;
  }

  /** undefined: no rport; null: `rport` without a value; number: the filled-in port. */
  get rport(): number | null | undefined {
    const r = this.params.get('rport');
    if (r === undefined) return undefined;
    if (r === null || r === '') return null;
    return parsePort(r) ?? null;
  }

  get maddr(): string | undefined {
    const m = this.params.get('maddr');
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
    return `${this.protocol}/${this.transport} ${this.sentBy}${formatParams(this.params)}`;
  }
}

const VIA_RE = /^([^\s/]+)\s*\/\s*([^\s/]+)\s*\/\s*([^\s;]+)\s+([^;]*?)\s*(;.*)?$/s;

/** Parse one Via value (not a comma list). */
export function parseVia(text: string): Via | undefined {
  const m = VIA_RE.exec(text.trim());
  if (!m) return undefined;
  const [, name, version, transport, sentBy, paramText] = m as unknown as [string, string, string, string, string, string | undefined];
  if (name.toUpperCase() !== 'SIP' || !isToken(version) || !isToken(transport)) return undefined;
  let host: string;
  let port: number | undefined;
  let sb = sentBy.trim();
  if (sb.length === 0) return undefined;
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
  const params = parseParams(paramText ?? '');
  if (!params) return undefined;
  return new Via(transport.toUpperCase(), host, port, params, `${name.toUpperCase()}/${version}`);
}

export interface CSeq {
  seq: number;
  method: string;
}

/** `CSeq: 0009 INVITE` → { seq: 9, method: 'INVITE' }; numbers must stay below 2^31. */
export function parseCSeq(text: string): CSeq | undefined {
  const m = /^(\d{1,10})\s+(\S+)$/.exec(text.trim());
  if (!m) return undefined;
  const seq = Number(m[1]);
  if (seq > 0x7fffffff || !isToken(m[2]!)) return undefined;
  return { seq, method: m[2]! };
}

/** A non-negative decimal integer with an upper bound; undefined otherwise. */
export function parseBoundedInt(text: string, max: number): number | undefined {
  const s = text.trim();
  if (!/^\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}
