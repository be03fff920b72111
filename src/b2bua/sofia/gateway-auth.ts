// Answering a digest challenge as a client, for the requests a gateway sends (REGISTER, INVITE):
// pick the first `WWW-Authenticate` (401) or `Proxy-Authenticate` (407) challenge whose
// algorithm we compute (RFC 8760 §2.4: the topmost supported one), and build the
// `Authorization` / `Proxy-Authorization` value (RFC 3261 §22.2, RFC 7616 §3.4) with the
// gateway's credentials. Nothing here sends anything or keeps state between challenges.

import { randomBytes } from 'node:crypto';
import type { SipResponse } from '../../sip/index.js';
import { buildCredentials, parseAlgorithm, parseAuthParams } from '../../registrar/index.js';

export interface ClientCredentials {
  /** `auth-username` (default the gateway's username). */
  username: string;
  password: string;
}

export interface ChallengeAnswer {
  /** `Authorization` for a 401, `Proxy-Authorization` for a 407. */
  header: 'Authorization' | 'Proxy-Authorization';
  value: string;
  realm: string;
  nonce: string;
  /** The challenge said `stale=true`: our last credentials were right, the nonce was old. */
  stale: boolean;
}

/**
 * Credentials for a challenged request, or undefined when the response carries no challenge we
 * can answer (no header, another scheme, only `auth-int`, an unknown algorithm).
 */
export function answerChallenge(res: SipResponse, method: string, uri: string, creds: ClientCredentials): ChallengeAnswer | undefined {
  const proxy = res.status === 407;
  const values = res.getAll(proxy ? 'proxy-authenticate' : 'www-authenticate');
  for (const value of values) {
    const parsed = parseAuthParams(value);
    if (!parsed.ok || parsed.value.scheme.toLowerCase() !== 'digest') continue;
    const p = parsed.value.params;
    const realm = p.get('realm');
    const nonce = p.get('nonce');
    const algorithm = parseAlgorithm(p.get('algorithm'));
    if (realm === undefined || nonce === undefined || algorithm === undefined) continue;
    // qop="auth,auth-int": we answer auth; a challenge that offers only auth-int is skipped.
    const qopOffer = p.get('qop');
    let qop: string | undefined;
    if (qopOffer !== undefined) {
      const offered = qopOffer.split(',').map((q) => q.trim().toLowerCase());
      if (!offered.includes('auth')) continue;
      qop = 'auth';
    }
    const credentials = buildCredentials({
      algorithm,
      username: creds.username,
      realm,
      secret: { password: creds.password },
      method,
      uri,
      nonce,
      qop,
      nc: qop ? '00000001' : undefined,
      cnonce: qop ? randomBytes(8).toString('hex') : undefined,
      opaque: p.get('opaque'),
    });
    return { header: proxy ? 'Proxy-Authorization' : 'Authorization', value: credentials, realm, nonce, stale: /^true$/i.test(p.get('stale') ?? '') };
  }
  return undefined;
}
