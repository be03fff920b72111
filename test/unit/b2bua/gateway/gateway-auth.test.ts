// Answering a digest challenge as a client: which challenge is picked, which header answers it,
// qop handling, and the credentials verified by the registrar's own digest code.
import { describe, expect, it } from 'vitest';
import { answerChallenge } from '../../../../src/b2bua/index.js';
import { digestResponse, parseAlgorithm, parseCredentials } from '../../../../src/registrar/index.js';
import { SipResponse } from '../../../../src/sip/index.js';

function challenge(status: 401 | 407, ...values: string[]): SipResponse {
  const res = new SipResponse(status, status === 401 ? 'Unauthorized' : 'Proxy Authentication Required');
  for (const v of values) res.addHeader(status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate', v);
  return res;
}

const CREDS = { username: 'joe', password: 's3cret' };
const URI = 'sip:5551234@198.51.100.7';

function verify(value: string): { ok: boolean; algorithm: string | undefined; qop: string | undefined } {
  const p = parseCredentials(value);
  if (p.kind !== 'digest') return { ok: false, algorithm: undefined, qop: undefined };
  const c = p.credentials;
  const algorithm = parseAlgorithm(c.algorithm)!;
  const expected = digestResponse({ algorithm, username: c.username, realm: c.realm, secret: { password: 's3cret' }, method: 'INVITE', uri: c.uri, nonce: c.nonce, qop: c.qop, nc: c.nc, cnonce: c.cnonce });
  return { ok: expected === c.response && c.uri === URI, algorithm: c.algorithm, qop: c.qop };
}

describe('answerChallenge', () => {
  it.each([
    ['MD5 with qop', 'Digest realm="r", nonce="n", algorithm=MD5, qop="auth"', 'MD5', 'auth'],
    ['no algorithm (MD5), no qop (RFC 2069)', 'Digest realm="r", nonce="n"', 'MD5', undefined],
    ['qop offered as auth,auth-int', 'Digest realm="r", nonce="n", qop="auth,auth-int"', 'MD5', 'auth'],
    ['SHA-256', 'Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"', 'SHA-256', 'auth'],
    ['MD5-sess', 'Digest realm="r", nonce="n", algorithm=MD5-sess, qop="auth"', 'MD5-sess', 'auth'],
  ])('%s: credentials a registrar verifies', (_what, value, algorithm, qop) => {
    const a = answerChallenge(challenge(401, value), 'INVITE', URI, CREDS)!;
    expect(a.header).toBe('Authorization');
    expect(verify(a.value)).toEqual({ ok: true, algorithm, qop });
  });

  it('a 407 is answered with Proxy-Authorization, keeping the opaque', () => {
    const a = answerChallenge(challenge(407, 'Digest realm="r", nonce="n", opaque="xyz", qop="auth"'), 'INVITE', URI, CREDS)!;
    expect(a.header).toBe('Proxy-Authorization');
    expect(a.value).toContain('opaque="xyz"');
    expect(verify(a.value).ok).toBe(true);
  });

  it('skips challenges it cannot answer and takes the first one it can', () => {
    const res = challenge(401, 'Basic realm="r"', 'Digest realm="r", nonce="n1", algorithm=SHA-512-256', 'Digest realm="r", nonce="n2", qop="auth-int"', 'Digest realm="r2", nonce="n3", algorithm=SHA-256');
    const a = answerChallenge(res, 'INVITE', URI, CREDS)!;
    expect([a.realm, a.nonce]).toEqual(['r2', 'n3']);
  });

  it.each([
    ['no challenge header', challenge(401)],
    ['only a Basic challenge', challenge(401, 'Basic realm="r"')],
    ['a malformed challenge', challenge(401, 'Digest realm="r, nonce=')],
    ['a challenge without nonce', challenge(401, 'Digest realm="r"')],
    ['the 401 header on a 407', (() => { const r = challenge(407); r.addHeader('WWW-Authenticate', 'Digest realm="r", nonce="n"'); return r; })()],
  ])('%s: nothing to answer', (_what, res) => {
    expect(answerChallenge(res, 'INVITE', URI, CREDS)).toBeUndefined();
  });

  it('reports stale=true', () => {
    expect(answerChallenge(challenge(401, 'Digest realm="r", nonce="n", stale=TRUE'), 'REGISTER', URI, CREDS)!.stale).toBe(true);
    expect(answerChallenge(challenge(401, 'Digest realm="r", nonce="n"'), 'REGISTER', URI, CREDS)!.stale).toBe(false);
  });
});
