// The digest authenticator of a profile: from a request's method, its credentials header
// value(s), the realm we expect, the source IP and a directory lookup, decide to challenge
// (401/407), accept, refuse (403) or ignore a banned address. Unknown users and wrong passwords
// get the same decision after the same amount of hashing, so nothing tells an attacker which
// extensions exist (spec §2.3). Failures feed the brute-force ban list. It does not build SIP
// messages and does not decide *whether* a request needs auth (auth-policy.ts does).
// RFC 3261 §22, RFC 7616 §3.3–3.5, RFC 8760.

import { randomBytes } from 'node:crypto';
import type { Logger } from '../common/index.js';
import { silentLogger } from '../common/index.js';
import { BanList, type BanEntry } from './ban.js';
import {
  buildChallenges,
  computeHa1,
  computeHa2,
  computeResponse,
  digestHexLength,
  parseAlgorithm,
  parseCredentials,
  responsesEqual,
  type DigestAlgorithm,
  type DigestCredentials,
  type DigestSecret,
} from './digest.js';
import { NonceManager, parseNonceCount } from './nonce.js';

/** What the directory knows about a user, as far as authentication goes. */
export interface DirectoryUser {
  /** Clear password (`password` param). An empty string counts as no password, as in FreeSWITCH. */
  password?: string | undefined;
  /** `a1-hash` param: hex H(user:realm:password); 32 digits for MD5, 64 for SHA-256. */
  a1Hash?: string | undefined;
  /** False when the user has no `<params>` at all: FreeSWITCH then accepts it unchecked. Default true. */
  hasParams?: boolean;
  /** `allow-empty-password` (FreeSWITCH default true): params but no password/a1-hash → accepted. */
  allowEmptyPassword?: boolean;
}

/**
 * Find a user by auth username and realm (the lookup applies `force-register-domain`; it
 * returns undefined for unknown users and for `type="pointer"` entries, which never authenticate).
 */
export type UserLookup = (username: string, realm: string) => DirectoryUser | undefined;

export interface AuthenticatorOptions {
  lookupUser: UserLookup;
  /** Nonce issuer/checker (default: a fresh one with a random secret and a 60 s TTL). */
  nonces?: NonceManager;
  /** Brute-force protection; null disables it (default: a BanList with its defaults). */
  bans?: BanList | null;
  /**
   * Algorithms offered, most preferred first (profile `auth-algorithms`). Default `['MD5']`,
   * as FreeSWITCH: some old phones read only the first challenge and know only MD5.
   */
  algorithms?: readonly DigestAlgorithm[];
  /** Accept RFC 2069 responses without qop from old phones (default true). */
  acceptNoQop?: boolean;
  /** `inbound-reg-force-matching-username`: the auth username must equal the To user of a REGISTER. */
  forceMatchingUsername?: boolean;
  logger?: Logger;
  /** Profile name, for log lines. */
  profileName?: string;
}

export interface AuthRequest {
  /** SIP method: REGISTER is challenged with 401, everything else with 407. */
  method: string;
  /** Authorization (REGISTER) or Proxy-Authorization (others) values; undefined when absent. */
  credentials: string | readonly string[] | undefined;
  /** The realm we challenge with (`challenge-realm` already resolved). */
  realm: string;
  sourceIp: string;
  /** The To user of a REGISTER (for `forceMatchingUsername`). */
  toUser?: string | undefined;
}

/** Why a fresh challenge (without stale) is sent. Not sent on the wire; for logs and tests. */
export type ChallengeCause =
  | 'no-credentials'
  | 'unsupported-scheme'
  | 'malformed'
  | 'other-realm'
  | 'unsupported-algorithm'
  | 'unsupported-qop';

/** Why a stale challenge is sent: the digest was right but the nonce cannot be accepted. */
export type StaleCause = 'expired' | 'evicted' | 'malformed' | 'forged' | 'other-realm' | 'replayed' | 'bad-nc';

interface ChallengeFields {
  status: 401 | 407;
  /** `WWW-Authenticate` for 401, `Proxy-Authenticate` for 407. */
  headerName: 'WWW-Authenticate' | 'Proxy-Authenticate';
  /** One header value per offered algorithm, in order. */
  headerValues: string[];
}

export type AuthDecision =
  | ({ kind: 'challenge'; cause: ChallengeCause } & ChallengeFields)
  | ({ kind: 'stale'; cause: StaleCause } & ChallengeFields)
  | {
      kind: 'ok';
      username: string;
      realm: string;
      algorithm: DigestAlgorithm;
      /** The nonce had been used before (FreeSWITCH's auth-result RENEWED). */
      renewed: boolean;
      user: DirectoryUser;
    }
  /**
   * Unknown user, wrong password, username mismatch: one shape, so a wrong password and an
   * unknown extension cannot be told apart. `ban` is set when this failure started a ban.
   */
  | { kind: 'forbidden'; status: 403; username: string; realm: string; ban: BanEntry | undefined }
  | { kind: 'banned'; status: 403; untilMs: number };

/** Internal reason behind a forbidden decision: logged, never returned. */
type ForbiddenDetail = 'unknown-user' | 'bad-response' | 'username-mismatch' | 'no-secret-for-algorithm' | 'lookup-failed' | 'empty-password-not-allowed';

export class Authenticator {
  readonly nonces: NonceManager;
  readonly bans: BanList | null;
  readonly algorithms: readonly DigestAlgorithm[];
  #lookupUser: UserLookup;
  #acceptNoQop: boolean;
  #forceMatchingUsername: boolean;
  #log: Logger;
  #profileName: string;
  /** Hashed in place of an unknown user's password so both paths cost the same. */
  #dummyPassword = randomBytes(12).toString('base64');

  constructor(opts: AuthenticatorOptions) {
    this.#lookupUser = opts.lookupUser;
    this.nonces = opts.nonces ?? new NonceManager();
    this.bans = opts.bans === undefined ? new BanList() : opts.bans;
    this.algorithms = opts.algorithms && opts.algorithms.length > 0 ? [...opts.algorithms] : ['MD5'];
    this.#acceptNoQop = opts.acceptNoQop ?? true;
    this.#forceMatchingUsername = opts.forceMatchingUsername ?? false;
    this.#log = opts.logger ?? silentLogger;
    this.#profileName = opts.profileName ?? '';
  }

  /** A challenge for `method` in `realm` with a fresh nonce (what an unauthenticated request gets). */
  challenge(method: string, realm: string, stale = false): ChallengeFields {
    const register = method.toUpperCase() === 'REGISTER';
    return {
      status: register ? 401 : 407,
      headerName: register ? 'WWW-Authenticate' : 'Proxy-Authenticate',
      headerValues: buildChallenges(realm, this.nonces.issue(realm), this.algorithms, { stale }),
    };
  }

  authenticate(req: AuthRequest): AuthDecision {
    const ip = req.sourceIp;
    if (this.bans) {
      const ban = this.bans.banOf(ip);
      if (ban) return { kind: 'banned', status: 403, untilMs: ban.untilMs };
    }

    const selected = this.#select(req);
    if ('cause' in selected) return { kind: 'challenge', cause: selected.cause, ...this.challenge(req.method, req.realm) };
    const { credentials: cr, algorithm } = selected;

    const nonce = this.nonces.verify(cr.nonce, req.realm, cr.qop === undefined ? undefined : cr.nc);

    if (this.#forceMatchingUsername && req.method.toUpperCase() === 'REGISTER' && req.toUser !== undefined) {
      // FreeSWITCH compares with strcasecmp.
      if (cr.username.toLowerCase() !== req.toUser.toLowerCase()) {
        return this.#forbid(req, cr, 'username-mismatch');
      }
    }

    let user: DirectoryUser | undefined;
    try {
      user = this.#lookupUser(cr.username, cr.realm);
    } catch (err) {
      this.#log.error({ err, username: cr.username, realm: cr.realm }, 'directory lookup failed');
      return this.#forbid(req, cr, 'lookup-failed', false);
    }

    let verified = false;
    let detail: ForbiddenDetail = 'bad-response';
    const secret = user ? secretFor(user, algorithm) : undefined;
    if (user && secret === 'none') {
      // Spec §2.3: no <params> → accepted unchecked; params without a password → allow-empty-password.
      verified = user.hasParams === false || user.allowEmptyPassword !== false;
      if (!verified) detail = 'empty-password-not-allowed';
    } else if (user && secret !== undefined && secret !== 'none') {
      verified = this.#check(req.method, cr, algorithm, secret);
    } else {
      // Unknown user, or only an a1-hash of the other hash family: hash a dummy password so the
      // time spent is the same as for a wrong password.
      this.#check(req.method, cr, algorithm, { password: this.#dummyPassword });
      detail = user ? 'no-secret-for-algorithm' : 'unknown-user';
    }
    if (!verified || !user) return this.#forbid(req, cr, detail);

    if (nonce.kind !== 'ok') {
      // RFC 7616 §3.3: stale=true only when the digest is valid but the nonce is not.
      this.#log.debug({ ip, username: cr.username, realm: cr.realm, cause: nonce.reason }, 'stale nonce, re-challenging');
      return { kind: 'stale', cause: nonce.reason, ...this.challenge(req.method, req.realm, true) };
    }
    this.nonces.recordUse(cr.nonce, nonce.issuedAtMs, cr.qop === undefined ? undefined : cr.nc);
    this.bans?.recordSuccess(ip);
    return { kind: 'ok', username: cr.username, realm: cr.realm, algorithm, renewed: nonce.seenBefore, user };
  }

  /** Pick the credentials meant for our realm and check they are usable. */
  #select(req: AuthRequest): { credentials: DigestCredentials; algorithm: DigestAlgorithm } | { cause: ChallengeCause } {
    const values = req.credentials === undefined ? [] : typeof req.credentials === 'string' ? [req.credentials] : req.credentials;
    if (values.length === 0) return { cause: 'no-credentials' };
    let cause: ChallengeCause = 'malformed';
    let chosen: DigestCredentials | undefined;
    const realm = req.realm.toLowerCase();
    // RFC 3261 §22.3: several credentials may be present; use the one for our realm.
    for (const value of values.slice(0, 16)) {
      const parsed = parseCredentials(value);
      if (parsed.kind === 'unsupported-scheme') {
        if (cause === 'malformed') cause = 'unsupported-scheme';
      } else if (parsed.kind === 'digest') {
        if (parsed.credentials.realm.toLowerCase() === realm) {
          chosen = parsed.credentials;
          break;
        }
        cause = 'other-realm';
      }
    }
    if (!chosen) return { cause };
    const algorithm = parseAlgorithm(chosen.algorithm);
    if (algorithm === undefined || !this.algorithms.includes(algorithm)) return { cause: 'unsupported-algorithm' };
    if (chosen.userhash !== undefined && chosen.userhash.toLowerCase() === 'true') return { cause: 'malformed' };
    if (chosen.qop !== undefined) {
      if (chosen.qop.toLowerCase() !== 'auth') return { cause: 'unsupported-qop' };
      const nc = chosen.nc === undefined ? undefined : parseNonceCount(chosen.nc);
      if (nc === undefined || nc === 0 || chosen.cnonce === undefined) return { cause: 'malformed' };
    } else {
      if (!this.#acceptNoQop) return { cause: 'unsupported-qop' };
      if (algorithm.endsWith('-sess') && chosen.cnonce === undefined) return { cause: 'malformed' };
    }
    if (chosen.response.length !== digestHexLength(algorithm)) return { cause: 'malformed' };
    return { credentials: chosen, algorithm };
  }

  /**
   * Verify the response against the `uri` the client sent (not the Request-URI: SIPp puts
   * `sip:host:port` there; RFC 7616 computes over the digest-uri).
   */
  #check(method: string, cr: DigestCredentials, algorithm: DigestAlgorithm, secret: DigestSecret): boolean {
    const ha1 = computeHa1(algorithm, cr.username, cr.realm, secret, cr.nonce, cr.cnonce ?? '');
    const ha2 = computeHa2(algorithm, method, cr.uri);
    const expected = computeResponse({ algorithm, ha1, ha2, nonce: cr.nonce, qop: cr.qop, nc: cr.nc, cnonce: cr.cnonce });
    return responsesEqual(expected, cr.response);
  }

  #forbid(req: AuthRequest, cr: DigestCredentials, detail: ForbiddenDetail, count = true): AuthDecision {
    const ban = count && this.bans ? this.bans.recordFailure(req.sourceIp) : undefined;
    const fields = { ip: req.sourceIp, method: req.method, username: cr.username, realm: cr.realm, profile: this.#profileName, detail };
    // The fail2ban-friendly wording of FreeSWITCH's log-auth-failures line.
    this.#log.warn(fields, `SIP auth failure (${req.method.toUpperCase()}) on sofia profile '${this.#profileName}' for [${cr.username}@${cr.realm}] from ip ${req.sourceIp}`);
    if (ban) {
      this.#log.warn(
        { ip: ban.ip, failures: ban.failures, untilMs: ban.untilMs, profile: this.#profileName },
        `banning ${ban.ip} for ${Math.round((ban.untilMs - ban.bannedAtMs) / 1000)}s after ${ban.failures} failed authentications`,
      );
    }
    return { kind: 'forbidden', status: 403, username: cr.username, realm: cr.realm, ban };
  }
}

/**
 * The secret to check `algorithm` with: the clear password (any algorithm), or an `a1-hash`
 * whose length fits the algorithm's hash. 'none' when the user has neither; undefined when it
 * has only a hash of the other family.
 */
function secretFor(user: DirectoryUser, algorithm: DigestAlgorithm): DigestSecret | 'none' | undefined {
  if (user.password !== undefined && user.password !== '') return { password: user.password };
  const a1 = user.a1Hash?.trim();
  if (a1 === undefined || a1 === '') return 'none';
  if (a1.length === digestHexLength(algorithm) && /^[0-9a-fA-F]+$/.test(a1)) return { ha1: a1 };
  return undefined;
}
