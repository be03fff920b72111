// SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966) and any other scheme kept as an opaque
// absolute URI. Parsing never throws: it returns undefined for text that is not a URI, and the
// caller picks the status (400, 416). User parts stay escaped as written (`%00` is not cut, see
// RFC 4475 escnull); `unescapeUri` decodes when a caller needs the plain value.

import { LazyParams, formatParams, paramsValid, parseParams, unescapeUri, type Params } from './text.js';

export class SipUri {
  scheme: 'sip' | 'sips';
  /** User part as written (escapes kept), or undefined when the URI has none. */
  user: string | undefined;
  password: string | undefined;
  /** Host without IPv6 brackets. */
  host: string;
  port: number | undefined;
  /** URI headers (`?a=b&c=d`), names and values as written. */
  headers: Array<[string, string]>;
  #params: LazyParams;

  constructor(init: {
    scheme?: 'sip' | 'sips';
    user?: string | undefined;
    password?: string | undefined;
    host: string;
    port?: number | undefined;
    /** A map, or the parameter text as written (`;transport=tcp;lr`). */
    params?: Params | string;
    headers?: Array<[string, string]>;
  }) {
    this.scheme = init.scheme ?? 'sip';
    this.user = init.user;
    this.password = init.password;
    this.host = init.host;
    this.port = init.port;
    this.#params = new LazyParams(init.params);
    this.headers = init.headers ?? [];
  }

  get params(): Params {
    return this.#params.map;
  }

  set params(m: Params) {
    this.#params.map = m;
  }

  get isIPv6(): boolean {
    return this.host.includes(':');
  }

  /** `host` or `[v6]`, plus `:port` when present. */
  get hostport(): string {
    const h = this.isIPv6 ? `[${this.host}]` : this.host;
    return this.port === undefined ? h : `${h}:${this.port}`;
  }

  /** The `transport` parameter in lower case, if any. */
  get transport(): string | undefined {
    const t = this.#params.get('transport');
    return t ? t.toLowerCase() : undefined;
  }

  param(name: string): string | null | undefined {
    return this.#params.get(name);
  }

  clone(): SipUri {
    return new SipUri({
      scheme: this.scheme,
      user: this.user,
      password: this.password,
      host: this.host,
      port: this.port,
      params: new Map(this.params),
      headers: this.headers.map(([k, v]) => [k, v] as [string, string]),
    });
  }

  toString(): string {
    let s = `${this.scheme}:`;
    if (this.user !== undefined) {
      s += this.user;
      if (this.password !== undefined) s += `:${this.password}`;
      s += '@';
    }
    s += this.hostport;
    s += this.#params.toString();
    if (this.headers.length > 0) s += `?${this.headers.map(([k, v]) => `${k}=${v}`).join('&')}`;
    return s;
  }
}

export class TelUri {
  readonly scheme = 'tel' as const;
  constructor(public number: string, public params: Params = new Map()) {}
  toString(): string {
    return `tel:${this.number}${formatParams(this.params)}`;
  }
}

/** A URI of a scheme we do not interpret (`http:`, `urn:`, `soap.beep:` …). */
export class AbsoluteUri {
  constructor(public readonly scheme: string, public readonly raw: string) {}
  toString(): string {
    return this.raw;
  }
}

export type Uri = SipUri | TelUri | AbsoluteUri;

const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/** Parse any URI; undefined when it is not one (no scheme, whitespace, bad SIP host/port). */
export function parseUri(text: string): Uri | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  const scheme = text.slice(0, colon);
  if (!SCHEME_RE.test(scheme)) return undefined;
  const lower = scheme.toLowerCase();
  if (lower === 'sip' || lower === 'sips') return parseSipUriBody(lower, text.slice(colon + 1));
  for (let i = colon + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 60 || c === 62 || c === 34) return undefined; // space, <, >, "
  }
  if (lower === 'tel') {
    const body = text.slice(colon + 1);
    const semi = body.indexOf(';');
    const number = semi < 0 ? body : body.slice(0, semi);
    if (number.length === 0) return undefined;
    const params = semi < 0 ? new Map() : parseParams(body.slice(semi));
    if (!params) return undefined;
    return new TelUri(number, params);
  }
  if (colon + 1 >= text.length) return undefined;
  return new AbsoluteUri(lower, text);
}

/** Parse a SIP or SIPS URI; undefined for anything else. */
export function parseSipUri(text: string): SipUri | undefined {
  const uri = parseUri(text);
  return uri instanceof SipUri ? uri : undefined;
}

function parseSipUriBody(scheme: 'sip' | 'sips', rest: string): SipUri | undefined {
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c <= 32 || c === 60 || c === 62 || c === 34 || c === 127) return undefined; // space, <, >, ", DEL
  }
  // The user part ends at the last '@' before the headers: users may contain ';' (semiuri) and
  // header values are often written with an unescaped '@' (Replaces=callid@host).
  // A user may also contain '?' (RFC 4475 intmeth): with no '@' before the first '?', the
  // last '@' of all ends the user part.
  const q = rest.indexOf('?');
  const searchEnd = q < 0 ? rest.length : q;
  let at = searchEnd > 0 ? rest.lastIndexOf('@', searchEnd - 1) : -1;
  if (at < 0 && q >= 0) at = rest.lastIndexOf('@');
  let user: string | undefined;
  let password: string | undefined;
  let hostStart = 0;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const pc = userinfo.indexOf(':');
    if (pc >= 0) {
      user = userinfo.slice(0, pc);
      password = userinfo.slice(pc + 1);
    } else user = userinfo;
    if (user.length === 0) return undefined;
    hostStart = at + 1;
  }
  let headersText: string | undefined;
  let hostAndParams = rest.slice(hostStart);
  const hq = hostAndParams.indexOf('?');
  if (hq >= 0) {
    headersText = hostAndParams.slice(hq + 1);
    hostAndParams = hostAndParams.slice(0, hq);
  }
  let host: string;
  let portText: string | undefined;
  let paramsText = '';
  if (hostAndParams.charCodeAt(0) === 91 /* [ */) {
    const close = hostAndParams.indexOf(']');
    if (close < 0) return undefined;
    host = hostAndParams.slice(1, close);
    if (!isIPv6(host)) return undefined;
    let after = hostAndParams.slice(close + 1);
    const semi = after.indexOf(';');
    if (semi >= 0) {
      paramsText = after.slice(semi);
      after = after.slice(0, semi);
    }
    if (after.length > 0) {
      if (after.charCodeAt(0) !== 58 /* : */) return undefined;
      portText = after.slice(1);
    }
  } else {
    const semi = hostAndParams.indexOf(';');
    let hp = hostAndParams;
    if (semi >= 0) {
      paramsText = hostAndParams.slice(semi);
      hp = hostAndParams.slice(0, semi);
    }
    const pc = hp.indexOf(':');
    if (pc >= 0) {
      host = hp.slice(0, pc);
      portText = hp.slice(pc + 1);
    } else host = hp;
    if (!isHostname(host)) return undefined;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = parsePort(portText);
    if (port === undefined) return undefined;
  }
  if (paramsText !== '' && !paramsValid(paramsText)) return undefined;
  const headers: Array<[string, string]> = [];
  if (headersText !== undefined && headersText.length > 0) {
    for (const h of headersText.split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) return undefined;
      headers.push([h.slice(0, eq), h.slice(eq + 1)]);
    }
  }
  return new SipUri({ scheme, user, password, host, port, params: paramsText, headers });
}

/** A decimal port 0–65535, else undefined. */
export function parsePort(text: string): number | undefined {
  if (text.length === 0 || text.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  return n <= 65535 ? n : undefined;
}

/** hostname / IPv4address (RFC 3261 §25.1): alphanumerics, '-', '.'; no empty labels at the ends. */
export function isHostname(host: string): boolean {
  if (host.length === 0 || host.length > 255) return false;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46;
    if (!ok) return false;
  }
  return host.charCodeAt(0) !== 46 && host.charCodeAt(0) !== 45;
}

/** A textual IPv6 address (with an optional trailing dotted IPv4 part); no brackets. */
export function isIPv6(text: string): boolean {
  if (text.length < 2 || text.length > 45) return false;
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return false;
  const parts = text.split(':');
  let groups = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.length === 0) continue;
    if (i === parts.length - 1 && p.includes('.')) {
      if (!isIPv4(p)) return false;
      groups += 2;
      continue;
    }
    if (p.length > 4 || !/^[0-9A-Fa-f]+$/.test(p)) return false;
    groups++;
  }
  return dbl >= 0 ? groups < 8 : groups === 8;
}

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || !/^\d+$/.test(p) || Number(p) > 255) return false;
  }
  return true;
}

/** The user part with escapes decoded. */
export function uriUser(uri: SipUri): string | undefined {
  return uri.user === undefined ? undefined : unescapeUri(uri.user);
}
