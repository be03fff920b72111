import { describe, expect, it } from 'vitest';
import {
  buildChallenge,
  buildChallenges,
  buildCredentials,
  computeHa1,
  digestResponse,
  parseAlgorithm,
  parseAuthParams,
  parseCredentials,
  responsesEqual,
  type DigestAlgorithm,
} from '../../../src/registrar/index.js';

// RFC 7616 §3.9.1 inputs.
const RFC7616 = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: '00000001',
  qop: 'auth',
};

// RFC 2617 §3.5 inputs.
const RFC2617 = {
  username: 'Mufasa',
  realm: 'testrealm@host.com',
  password: 'Circle Of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
  cnonce: '0a4f113b',
  nc: '00000001',
};

describe('digest response vectors', () => {
  const rows: Array<{ name: string; algorithm: DigestAlgorithm; base: typeof RFC7616 | typeof RFC2617; qop?: string; expected: string }> = [
    { name: 'RFC 7616 §3.9.1 MD5', algorithm: 'MD5', base: RFC7616, qop: 'auth', expected: '8ca523f5e9506fed4657c9700eebdbec' },
    {
      name: 'RFC 7616 §3.9.1 SHA-256',
      algorithm: 'SHA-256',
      base: RFC7616,
      qop: 'auth',
      expected: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    },
    { name: 'RFC 2617 §3.5 MD5 qop=auth', algorithm: 'MD5', base: RFC2617, qop: 'auth', expected: '6629fae49393a05397450978507c4ef1' },
    // Same inputs without qop (RFC 2069 form, as used by other implementations' test suites).
    { name: 'RFC 2617 inputs without qop', algorithm: 'MD5', base: RFC2617, expected: '670fd8c2df070c60b045671b8b24ff02' },
    // -sess values agree with an independent implementation's published test vectors.
    { name: 'MD5-sess on RFC 7616 inputs', algorithm: 'MD5-sess', base: RFC7616, qop: 'auth', expected: 'e783283f46242139c486a698fec7211d' },
    {
      name: 'SHA-256-sess on RFC 7616 inputs',
      algorithm: 'SHA-256-sess',
      base: RFC7616,
      qop: 'auth',
      expected: '2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7',
    },
  ];
  for (const row of rows) {
    it(`${row.name} gives the published response`, () => {
      const b = row.base;
      const got = digestResponse({
        algorithm: row.algorithm,
        username: b.username,
        realm: b.realm,
        secret: { password: b.password },
        method: b.method,
        uri: b.uri,
        nonce: b.nonce,
        qop: row.qop,
        nc: row.qop ? b.nc : undefined,
        cnonce: row.qop ? b.cnonce : undefined,
      });
      expect(got).toBe(row.expected);
    });
  }

  it('an a1-hash gives the same response as the clear password', () => {
    const ha1 = computeHa1('MD5', RFC2617.username, RFC2617.realm, { password: RFC2617.password });
    const got = digestResponse({ ...RFC2617, algorithm: 'MD5', secret: { ha1: ha1.toUpperCase() }, qop: 'auth' });
    expect(got).toBe('6629fae49393a05397450978507c4ef1');
  });
});

describe('parseCredentials', () => {
  it('parses the RFC 2617 Authorization example', () => {
    const v =
      'Digest username="Mufasa",\r\n realm="testrealm@host.com",\r\n nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",\r\n' +
      ' uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b",\r\n' +
      ' response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    const p = parseCredentials(v);
    expect(p).toEqual({
      kind: 'digest',
      credentials: {
        username: 'Mufasa',
        realm: 'testrealm@host.com',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        uri: '/dir/index.html',
        response: '6629fae49393a05397450978507c4ef1',
        algorithm: undefined,
        cnonce: '0a4f113b',
        nc: '00000001',
        qop: 'auth',
        opaque: '5ccc069c403ebaf9f0171e9517f40e41',
        userhash: undefined,
      },
    });
  });

  it('unescapes quoted-pairs and ignores order, case of names and unknown parameters', () => {
    const p = parseCredentials(
      'digest RESPONSE="abc", x-vendor=1, Realm="a\\"b\\\\c", URI=sip:1000@10.0.0.1:5060, Nonce="n", Username="user name", algorithm=md5',
    );
    expect(p.kind).toBe('digest');
    if (p.kind !== 'digest') return;
    expect(p.credentials.realm).toBe('a"b\\c');
    expect(p.credentials.uri).toBe('sip:1000@10.0.0.1:5060');
    expect(p.credentials.username).toBe('user name');
    expect(p.credentials.algorithm).toBe('md5');
    expect(parseAlgorithm(p.credentials.algorithm)).toBe('MD5');
  });

  it('reports another scheme as unsupported instead of throwing', () => {
    expect(parseCredentials('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==')).toEqual({ kind: 'unsupported-scheme', scheme: 'Basic' });
  });

  const malformed: Array<[string, string]> = [
    ['empty', ''],
    ['missing response', 'Digest username="a", realm="r", nonce="n", uri="u"'],
    ['unterminated quote', 'Digest username="a, realm="r"'],
    ['duplicate parameter', 'Digest username="a", username="b", realm="r", nonce="n", uri="u", response="x"'],
    ['missing =', 'Digest username "a"'],
    ['garbage after value', 'Digest username="a" realm="r"'],
    ['NUL bytes', 'Digest \u0000\u0000'],
    ['huge value', `Digest username="${'a'.repeat(10_000)}"`],
  ];
  for (const [name, value] of malformed) {
    it(`rejects a malformed value (${name})`, () => {
      expect(parseCredentials(value).kind).toBe('malformed');
    });
  }

  it('treats a missing algorithm as MD5 and rejects unknown algorithms', () => {
    expect(parseAlgorithm(undefined)).toBe('MD5');
    expect(parseAlgorithm('SHA-256-SESS')).toBe('SHA-256-sess');
    expect(parseAlgorithm('SHA-512-256')).toBeUndefined();
  });

  it('parses a challenge with the generic auth-param parser', () => {
    const p = parseAuthParams(buildChallenge({ realm: 'pbx', nonce: 'abc', stale: true }));
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(Object.fromEntries(p.value.params)).toEqual({ realm: 'pbx', nonce: 'abc', stale: 'true', algorithm: 'MD5', qop: 'auth' });
  });
});

describe('challenges', () => {
  it('have FreeSWITCH\'s layout', () => {
    expect(buildChallenge({ realm: '192.168.1.10', nonce: 'N' })).toBe('Digest realm="192.168.1.10", nonce="N", algorithm=MD5, qop="auth"');
  });

  it('put stale=true before algorithm', () => {
    expect(buildChallenge({ realm: 'r', nonce: 'N', stale: true })).toBe('Digest realm="r", nonce="N", stale=true, algorithm=MD5, qop="auth"');
  });

  it('escape quotes in the realm', () => {
    expect(buildChallenge({ realm: 'a"b', nonce: 'N', qop: 'none' })).toBe('Digest realm="a\\"b", nonce="N", algorithm=MD5');
  });

  it('come one per algorithm in preference order', () => {
    expect(buildChallenges('r', 'N', ['SHA-256', 'MD5'])).toEqual([
      'Digest realm="r", nonce="N", algorithm=SHA-256, qop="auth"',
      'Digest realm="r", nonce="N", algorithm=MD5, qop="auth"',
    ]);
  });
});

describe('buildCredentials', () => {
  it('round-trips through parseCredentials with the right response', () => {
    const v = buildCredentials({ ...RFC7616, algorithm: 'SHA-256', secret: { password: RFC7616.password } });
    const p = parseCredentials(v);
    expect(p.kind).toBe('digest');
    if (p.kind !== 'digest') return;
    expect(p.credentials.response).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    expect(p.credentials.nc).toBe('00000001');
  });
});

describe('responsesEqual', () => {
  it('ignores hex case and rejects other lengths and values', () => {
    expect(responsesEqual('6629fae49393a05397450978507c4ef1', '6629FAE49393A05397450978507C4EF1')).toBe(true);
    expect(responsesEqual('6629fae49393a05397450978507c4ef1', '6629fae49393a05397450978507c4ef')).toBe(false);
    expect(responsesEqual('6629fae49393a05397450978507c4ef1', '6629fae49393a05397450978507c4ef2')).toBe(false);
  });
});
