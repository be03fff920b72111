// HTTP/SIP Digest: parse `Authorization` / `Proxy-Authorization` values, build
// `WWW-Authenticate` / `Proxy-Authenticate` challenges in FreeSWITCH's shape, and compute
// HA1, HA2 and the response for MD5, SHA-256 and their `-sess` variants, with `qop=auth` and
// without qop (RFC 2069 phones). Implements RFC 7616 §3.4 (RFC 2617 §3.2.2 for no qop) and
// RFC 8760 (SIP's use of SHA-256). Nothing here keeps state: nonces live in nonce.ts, the
// decision to challenge/accept/refuse in auth.ts. `auth-int` and `userhash` are not supported.

import { createHash, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

/** Every algorithm this module computes, in the spelling used on the wire. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'];

/** Longest credentials/challenge value we parse; longer ones are refused as malformed. */
export const MAX_AUTH_HEADER_CHARS = 8192;
const MAX_AUTH_PARAMS = 64;

/** The scheme and parameters of any `scheme param=value, …` header (challenge or credentials). */
export interface AuthParams {
  /** The scheme as written (`Digest`, `Basic`, …). */
  scheme: string;
  /** Parameters with lower-case names, values unquoted and unescaped. */
  params: Map<string, string>;
}

export type AuthParamsParse = { ok: true; value: AuthParams } | { ok: false; reason: string };

/** Digest credentials from an Authorization or Proxy-Authorization header. */
export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  /** The algorithm as sent (undefined when absent: RFC 7616 says that means MD5). */
  algorithm: string | undefined;
  cnonce: string | undefined;
  /** Nonce count as sent (8 hex digits when qop is present). */
  nc: string | undefined;
  qop: string | undefined;
  opaque: string | undefined;
  userhash: string | undefined;
}

export type CredentialsParse =
  | { kind: 'digest'; credentials: DigestCredentials }
  | { kind: 'unsupported-scheme'; scheme: string }
  | { kind: 'malformed'; reason: string };

// RFC 7230 tchar.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

function isTchar(code: number): boolean {
  return code < 128 && TCHAR[code] === 1;
}

function isWs(code: number): boolean {
  // SP, HTAB, and CR/LF of a folded line (the SIP parser normally unfolds, but be tolerant).
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

/**
 * Parse `scheme name=value, name="quoted \"value\"", …` (RFC 7235 §2.1 auth-params).
 * Parameter names are case-insensitive and returned lower-case; order does not matter;
 * a repeated name is an error (RFC 7235: each parameter name MUST only occur once).
 * Unquoted values are taken up to the next comma or space, which also accepts the
 * `uri=sip:…` some phones send without quotes.
 */
export function parseAuthParams(value: string): AuthParamsParse {
  if (value.length > MAX_AUTH_HEADER_CHARS) return { ok: false, reason: 'header too long' };
  const s = value;
  const n = s.length;
  let i = 0;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  const schemeStart = i;
  while (i < n && isTchar(s.charCodeAt(i))) i++;
  if (i === schemeStart) return { ok: false, reason: 'missing scheme' };
  const scheme = s.slice(schemeStart, i);
  if (i < n && !isWs(s.charCodeAt(i))) return { ok: false, reason: 'bad character after scheme' };
  const params = new Map<string, string>();
  for (;;) {
    while (i < n && (isWs(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2c)) i++;
    if (i >= n) break;
    const nameStart = i;
    while (i < n && isTchar(s.charCodeAt(i)) && s.charCodeAt(i) !== 0x3d) i++;
    if (i === nameStart) return { ok: false, reason: `bad character at ${i}` };
    const name = s.slice(nameStart, i).toLowerCase();
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 0x3d) return { ok: false, reason: `missing '=' after ${name}` };
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    let val: string;
    if (s.charCodeAt(i) === 0x22) {
      i++;
      let out = '';
      let chunk = i;
      let closed = false;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === 0x5c) {
          // quoted-pair: backslash escapes the next character.
          if (i + 1 >= n) break;
          out += s.slice(chunk, i) + s[i + 1];
          i += 2;
          chunk = i;
        } else if (c === 0x22) {
          out += s.slice(chunk, i);
          i++;
          closed = true;
          break;
        } else {
          i++;
        }
      }
      if (!closed) return { ok: false, reason: `unterminated quoted value for ${name}` };
      val = out;
    } else {
      const valStart = i;
      while (i < n && !isWs(s.charCodeAt(i)) && s.charCodeAt(i) !== 0x2c && s.charCodeAt(i) !== 0x22) i++;
      if (i === valStart) return { ok: false, reason: `empty value for ${name}` };
      val = s.slice(valStart, i);
    }
    if (params.has(name)) return { ok: false, reason: `duplicate parameter ${name}` };
    if (params.size >= MAX_AUTH_PARAMS) return { ok: false, reason: 'too many parameters' };
    params.set(name, val);
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i < n && s.charCodeAt(i) !== 0x2c) return { ok: false, reason: `expected ',' at ${i}` };
  }
  return { ok: true, value: { scheme, params } };
}

const REQUIRED = ['username', 'realm', 'nonce', 'uri', 'response'] as const;

/**
 * Parse a credentials value. A non-Digest scheme is reported (not thrown); a Digest value
 * missing one of username, realm, nonce, uri, response is `malformed`. Unknown parameters are
 * ignored.
 */
export function parseCredentials(value: string): CredentialsParse {
  // Other schemes (Basic's token68, Bearer…) need not follow the auth-param syntax.
  const scheme = /^[ \t]*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?:[ \t\r\n]|$)/.exec(value.slice(0, 64))?.[1];
  if (scheme !== undefined && scheme.toLowerCase() !== 'digest') return { kind: 'unsupported-scheme', scheme };
  const parsed = parseAuthParams(value);
  if (!parsed.ok) return { kind: 'malformed', reason: parsed.reason };
  const { params } = parsed.value;
  for (const name of REQUIRED) {
    if (!params.has(name)) return { kind: 'malformed', reason: `missing ${name}` };
  }
  return {
    kind: 'digest',
    credentials: {
      username: params.get('username')!,
      realm: params.get('realm')!,
      nonce: params.get('nonce')!,
      uri: params.get('uri')!,
      response: params.get('response')!,
      algorithm: params.get('algorithm'),
      cnonce: params.get('cnonce'),
      nc: params.get('nc'),
      qop: params.get('qop'),
      opaque: params.get('opaque'),
      userhash: params.get('userhash'),
    },
  };
}

/** The algorithm named on the wire (case-insensitive); absent means MD5 (RFC 7616 §3.3). */
export function parseAlgorithm(raw: string | undefined): DigestAlgorithm | undefined {
  if (raw === undefined) return 'MD5';
  switch (raw.toLowerCase()) {
    case 'md5':
      return 'MD5';
    case 'md5-sess':
      return 'MD5-sess';
    case 'sha-256':
      return 'SHA-256';
    case 'sha-256-sess':
      return 'SHA-256-sess';
    default:
      return undefined;
  }
}

function nodeHash(algorithm: DigestAlgorithm): 'md5' | 'sha256' {
  return algorithm === 'MD5' || algorithm === 'MD5-sess' ? 'md5' : 'sha256';
}

function isSess(algorithm: DigestAlgorithm): boolean {
  return algorithm === 'MD5-sess' || algorithm === 'SHA-256-sess';
}

/** Hex digest length for an algorithm: 32 for MD5, 64 for SHA-256. */
export function digestHexLength(algorithm: DigestAlgorithm): number {
  return nodeHash(algorithm) === 'md5' ? 32 : 64;
}

/** H(data) as lower-case hex, data taken as UTF-8. */
export function digestHash(algorithm: DigestAlgorithm, data: string): string {
  return createHash(nodeHash(algorithm)).update(data, 'utf8').digest('hex');
}

/** The user's secret: a clear password, or a precomputed H(username:realm:password). */
export type DigestSecret = { password: string } | { ha1: string };

/**
 * HA1 (RFC 7616 §3.4.2). For `-sess` algorithms the base hash is rehashed with the nonce and
 * cnonce. A given `ha1` (FreeSWITCH's `a1-hash`) must have been computed with the same hash
 * function as `algorithm`.
 */
export function computeHa1(
  algorithm: DigestAlgorithm,
  username: string,
  realm: string,
  secret: DigestSecret,
  nonce = '',
  cnonce = '',
): string {
  const base = 'password' in secret ? digestHash(algorithm, `${username}:${realm}:${secret.password}`) : secret.ha1.toLowerCase();
  return isSess(algorithm) ? digestHash(algorithm, `${base}:${nonce}:${cnonce}`) : base;
}

/** HA2 for qop=auth and for no qop: H(method:uri) (RFC 7616 §3.4.3). */
export function computeHa2(algorithm: DigestAlgorithm, method: string, uri: string): string {
  return digestHash(algorithm, `${method}:${uri}`);
}

export interface ResponseInput {
  algorithm: DigestAlgorithm;
  ha1: string;
  ha2: string;
  nonce: string;
  /** With qop: the nc, cnonce and qop values exactly as the client sent them. */
  qop?: string | undefined;
  nc?: string | undefined;
  cnonce?: string | undefined;
}

/**
 * The request digest. With qop: H(HA1:nonce:nc:cnonce:qop:HA2) (RFC 7616 §3.4.1); without
 * qop: H(HA1:nonce:HA2) (RFC 2069, kept by RFC 2617 §3.2.2.1 for old clients).
 */
export function computeResponse(input: ResponseInput): string {
  const { algorithm, ha1, ha2, nonce } = input;
  if (input.qop === undefined) return digestHash(algorithm, `${ha1}:${nonce}:${ha2}`);
  return digestHash(algorithm, `${ha1}:${nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${input.qop}:${ha2}`);
}

/** Everything needed to compute a response from a secret: the one-call form. */
export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  secret: DigestSecret;
  method: string;
  uri: string;
  nonce: string;
  qop?: string | undefined;
  nc?: string | undefined;
  cnonce?: string | undefined;
}

export function digestResponse(input: DigestInput): string {
  const ha1 = computeHa1(input.algorithm, input.username, input.realm, input.secret, input.nonce, input.cnonce ?? '');
  const ha2 = computeHa2(input.algorithm, input.method, input.uri);
  return computeResponse({ algorithm: input.algorithm, ha1, ha2, nonce: input.nonce, qop: input.qop, nc: input.nc, cnonce: input.cnonce });
}

/**
 * Compare a client's hex response with the expected one in time independent of where they
 * differ. Hex case is ignored (some clients send upper-case). A length mismatch still costs a
 * comparison so that it is not measurably faster.
 */
export function responsesEqual(expectedHex: string, receivedHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'latin1');
  const received = Buffer.from(receivedHex.toLowerCase(), 'latin1');
  if (received.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, received);
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export interface ChallengeInput {
  realm: string;
  nonce: string;
  algorithm?: DigestAlgorithm;
  /** `auth` (default, as FreeSWITCH) or `none` for an RFC 2069 challenge without qop. */
  qop?: 'auth' | 'none';
  stale?: boolean;
  opaque?: string;
}

/**
 * One challenge value in FreeSWITCH's layout:
 * `Digest realm="R", nonce="N", algorithm=MD5, qop="auth"`, with `stale=true, ` before
 * algorithm when the nonce expired.
 */
export function buildChallenge(input: ChallengeInput): string {
  let out = `Digest realm=${quote(input.realm)}, nonce=${quote(input.nonce)}, `;
  if (input.opaque !== undefined) out += `opaque=${quote(input.opaque)}, `;
  if (input.stale) out += 'stale=true, ';
  out += `algorithm=${input.algorithm ?? 'MD5'}`;
  if ((input.qop ?? 'auth') === 'auth') out += ', qop="auth"';
  return out;
}

/**
 * One challenge per algorithm, in the order given. RFC 8760 §2.4: a UAS offering several
 * algorithms adds one header field per algorithm, most preferred first, and the UAC uses the
 * topmost one it supports; so the profile's `auth-algorithms` order is the preference order.
 * All share one nonce (the nonce does not depend on the algorithm).
 */
export function buildChallenges(
  realm: string,
  nonce: string,
  algorithms: readonly DigestAlgorithm[],
  opts: { stale?: boolean; qop?: 'auth' | 'none' } = {},
): string[] {
  return algorithms.map((algorithm) => buildChallenge({ realm, nonce, algorithm, qop: opts.qop ?? 'auth', stale: opts.stale ?? false }));
}

export interface CredentialsInput extends DigestInput {
  opaque?: string;
  /** Include `algorithm=` (default true; some old phones leave it out). */
  sendAlgorithm?: boolean;
}

/**
 * Build an Authorization / Proxy-Authorization value as a client would (used by outbound
 * gateway registration and by tests).
 */
export function buildCredentials(input: CredentialsInput): string {
  if (input.qop !== undefined) input = { ...input, nc: input.nc ?? '00000001', cnonce: input.cnonce ?? '' };
  const response = digestResponse(input);
  let out =
    `Digest username=${quote(input.username)}, realm=${quote(input.realm)}, nonce=${quote(input.nonce)}, ` +
    `uri=${quote(input.uri)}, response=${quote(response)}`;
  if (input.sendAlgorithm ?? true) out += `, algorithm=${input.algorithm}`;
  if (input.qop !== undefined) out += `, qop=${input.qop}, nc=${input.nc}, cnonce=${quote(input.cnonce ?? '')}`;
  if (input.opaque !== undefined) out += `, opaque=${quote(input.opaque)}`;
  return out;
}
