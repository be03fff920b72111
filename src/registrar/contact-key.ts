// The identity of a binding within an address-of-record: a normalised Contact URI
// (RFC 3261 §19.1.4 comparison rules) or, when the phone sends `+sip.instance`, its instance
// ID with the `reg-id` (RFC 5626 §6, RFC 5627 §3.2). Includes the small SIP URI splitter this
// needs (scheme, user, host, port, params); it is not a general URI parser and never throws.

export interface SipUriParts {
  /** Lower-case scheme (`sip`, `sips`, `tel`…). */
  scheme: string;
  /** Userinfo as written (may contain `:password`), undefined when absent. */
  user: string | undefined;
  /** Host as written (IPv6 keeps its brackets). */
  host: string;
  port: number | undefined;
  /** URI parameters, lower-case names; undefined value for a flag (`;lr`). */
  params: Map<string, string | undefined>;
}

/** Longest URI we look at; longer ones are treated as opaque strings. */
const MAX_URI_CHARS = 2048;

/** Split `scheme:user@host:port;params?headers`. Undefined when it does not look like one. */
export function splitSipUri(uri: string): SipUriParts | undefined {
  if (uri.length > MAX_URI_CHARS) return undefined;
  let s = uri.trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1);
  const colon = s.indexOf(':');
  if (colon <= 0) return undefined;
  const scheme = s.slice(0, colon).toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) return undefined;
  let rest = s.slice(colon + 1);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let hostport: string;
  let paramStr = '';
  const semi = rest.indexOf(';');
  if (semi >= 0) {
    hostport = rest.slice(0, semi);
    paramStr = rest.slice(semi + 1);
  } else {
    hostport = rest;
  }
  let host: string;
  let port: number | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) return undefined;
    host = hostport.slice(0, close + 1);
    const after = hostport.slice(close + 1);
    if (after.startsWith(':')) port = parsePort(after.slice(1));
    else if (after !== '') return undefined;
  } else {
    const pc = hostport.lastIndexOf(':');
    if (pc >= 0) {
      host = hostport.slice(0, pc);
      port = parsePort(hostport.slice(pc + 1));
      if (port === undefined) return undefined;
    } else {
      host = hostport;
    }
  }
  if (host === '' || /[\s<>"]/.test(host)) return undefined;
  const params = new Map<string, string | undefined>();
  if (paramStr !== '') {
    for (const p of paramStr.split(';')) {
      if (p === '') continue;
      const eq = p.indexOf('=');
      if (eq < 0) params.set(p.toLowerCase(), undefined);
      else params.set(p.slice(0, eq).toLowerCase(), p.slice(eq + 1));
    }
  }
  return { scheme, user, host, port, params };
}

function parsePort(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** The host without IPv6 brackets, lower-case (what a socket or an ACL wants). */
export function bareHost(host: string): string {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return h.toLowerCase();
}

function unescapeUser(user: string): string {
  return user.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Parameters that take part in URI equality even when only one side has them
 * (RFC 3261 §19.1.4: user, ttl, method, maddr, transport).
 */
const SIGNIFICANT_PARAMS = ['maddr', 'method', 'transport', 'ttl', 'user'];

/**
 * A string equal for two URIs that RFC 3261 §19.1.4 calls equal, in the common cases: scheme
 * and host case-insensitive, user case-sensitive after unescaping, an explicit port differs
 * from an absent one, and of the parameters only transport/user/ttl/method/maddr count (other
 * parameters compare equal when only one side has them, so they are left out — two URIs that
 * differ only in an "other" parameter present on both sides therefore get the same key).
 */
export function normaliseUri(uri: string): string {
  const parts = splitSipUri(uri);
  if (!parts) return `raw:${uri.trim()}`;
  let out = `${parts.scheme}:`;
  if (parts.user !== undefined) out += `${unescapeUser(parts.user)}@`;
  out += parts.host.toLowerCase();
  if (parts.port !== undefined) out += `:${parts.port}`;
  for (const name of SIGNIFICANT_PARAMS) {
    if (parts.params.has(name)) {
      const v = parts.params.get(name);
      out += v === undefined ? `;${name}` : `;${name}=${v.toLowerCase()}`;
    }
  }
  return out;
}

export interface BindingIdentity {
  contactUri: string;
  instanceId?: string | undefined;
  regId?: number | undefined;
}

/**
 * The key of a binding within its AOR. With `+sip.instance` the instance (and reg-id) identify
 * the device, so a phone whose contact address changed replaces its old binding instead of
 * adding a second one (RFC 5626 §6, RFC 5627 §3.2); otherwise the normalised Contact URI.
 */
export function bindingKey(b: BindingIdentity): string {
  if (b.instanceId !== undefined && b.instanceId !== '') {
    const inst = b.instanceId.toLowerCase();
    return b.regId !== undefined ? `inst:${inst};reg-id=${b.regId}` : `inst:${inst}`;
  }
  return `uri:${normaliseUri(b.contactUri)}`;
}

/** `+sip.instance` values arrive quoted: `"<urn:uuid:…>"`. Return the inside, trimmed. */
export function unquoteParam(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}
