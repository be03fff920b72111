import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  Authenticator,
  BanList,
  buildCredentials,
  computeHa1,
  NonceManager,
  parseAuthParams,
  parseAlgorithm,
  type AuthDecision,
  type AuthenticatorOptions,
  type DigestAlgorithm,
  type DirectoryUser,
} from '../../../src/registrar/index.js';

const REALM = '192.168.1.10';

const USERS: Record<string, DirectoryUser> = {
  '1000': { password: '1234' },
  '1001': { password: '1234' },
  hashed: { a1Hash: computeHa1('MD5', 'hashed', REALM, { password: 's3cret' }) },
  open: { hasParams: false },
  nopass: { allowEmptyPassword: true },
  strict: { allowEmptyPassword: false },
};

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

function setup(opts: Partial<AuthenticatorOptions> = {}, c = clock()) {
  const nonces = new NonceManager({ now: c.now, ttlMs: 60_000 });
  const bans = new BanList({ now: c.now, maxFailures: 5 });
  const auth = new Authenticator({
    lookupUser: (username, realm) => (realm === REALM ? USERS[username] : undefined),
    nonces,
    bans,
    ...opts,
  });
  return { auth, nonces, bans, clock: c };
}

/** Challenge fields of a decision, or fail. */
function challengeOf(d: AuthDecision) {
  if (d.kind !== 'challenge' && d.kind !== 'stale') throw new Error(`expected a challenge, got ${d.kind}`);
  return d;
}

/** What a phone sends back for a challenge value. */
function answer(
  challenge: string,
  o: { username: string; password: string; method?: string; uri?: string; nc?: string; qop?: boolean; algorithm?: DigestAlgorithm; sendAlgorithm?: boolean; realm?: string },
): string {
  const p = parseAuthParams(challenge);
  if (!p.ok) throw new Error(p.reason);
  const algorithm = o.algorithm ?? parseAlgorithm(p.value.params.get('algorithm'))!;
  const qop = o.qop ?? true;
  return buildCredentials({
    algorithm,
    username: o.username,
    realm: o.realm ?? p.value.params.get('realm')!,
    secret: { password: o.password },
    method: o.method ?? 'REGISTER',
    uri: o.uri ?? `sip:${REALM}`,
    nonce: p.value.params.get('nonce')!,
    qop: qop ? 'auth' : undefined,
    nc: qop ? (o.nc ?? '00000001') : undefined,
    cnonce: qop ? 'c0ffee' : undefined,
    sendAlgorithm: o.sendAlgorithm ?? true,
  });
}

function register(auth: Authenticator, credentials: string | string[] | undefined, extra: Partial<{ sourceIp: string; toUser: string; method: string }> = {}) {
  return auth.authenticate({ method: extra.method ?? 'REGISTER', credentials, realm: REALM, sourceIp: extra.sourceIp ?? '192.168.1.50', toUser: extra.toUser });
}

describe('Authenticator challenges', () => {
  it('challenges a REGISTER without credentials with 401 and WWW-Authenticate in FreeSWITCH\'s shape', () => {
    const { auth } = setup();
    const d = challengeOf(register(auth, undefined));
    expect(d).toMatchObject({ kind: 'challenge', cause: 'no-credentials', status: 401, headerName: 'WWW-Authenticate' });
    expect(d.headerValues).toHaveLength(1);
    expect(d.headerValues[0]).toMatch(/^Digest realm="192\.168\.1\.10", nonce="[A-Za-z0-9_-]{47}", algorithm=MD5, qop="auth"$/);
  });

  it('challenges an INVITE with 407 and Proxy-Authenticate', () => {
    const { auth } = setup();
    const d = challengeOf(auth.authenticate({ method: 'INVITE', credentials: undefined, realm: REALM, sourceIp: '192.168.1.50' }));
    expect(d).toMatchObject({ status: 407, headerName: 'Proxy-Authenticate' });
  });

  it('offers one challenge per configured algorithm, most preferred first', () => {
    const { auth } = setup({ algorithms: ['SHA-256', 'MD5'] });
    const d = challengeOf(register(auth, undefined));
    expect(d.headerValues.map((v) => /algorithm=([^,]+)/.exec(v)![1])).toEqual(['SHA-256', 'MD5']);
  });

  const rechallenged: Array<[string, string, string]> = [
    ['a Basic header', 'Basic dXNlcjpwYXNz', 'unsupported-scheme'],
    ['a Digest header missing the response', `Digest username="1000", realm="${REALM}", nonce="x", uri="sip:${REALM}"`, 'malformed'],
    ['garbage', '\u0000\u0001 not a header', 'malformed'],
    ['credentials for another realm', `Digest username="1000", realm="other.example", nonce="x", uri="sip:a", response="${'0'.repeat(32)}"`, 'other-realm'],
    ['an unknown algorithm', `Digest username="1000", realm="${REALM}", nonce="x", uri="sip:a", response="${'0'.repeat(32)}", algorithm=SHA-512-256`, 'unsupported-algorithm'],
    ['qop=auth-int', `Digest username="1000", realm="${REALM}", nonce="x", uri="sip:a", response="${'0'.repeat(32)}", qop=auth-int, nc=00000001, cnonce="c"`, 'unsupported-qop'],
    ['qop without nc', `Digest username="1000", realm="${REALM}", nonce="x", uri="sip:a", response="${'0'.repeat(32)}", qop=auth, cnonce="c"`, 'malformed'],
    ['a response of the wrong length', `Digest username="1000", realm="${REALM}", nonce="x", uri="sip:a", response="abc"`, 'malformed'],
  ];
  for (const [name, value, cause] of rechallenged) {
    it(`answers ${name} with a fresh challenge (${cause}) and counts no failure`, () => {
      const { auth, bans } = setup();
      const d = register(auth, value, { sourceIp: '203.0.113.9' });
      expect(d).toMatchObject({ kind: 'challenge', cause, status: 401 });
      expect(bans.failuresOf('203.0.113.9')).toBe(0);
    });
  }
});

describe('Authenticator verification', () => {
  it('accepts the right password, verified against the uri the client sent (SIPp puts sip:ip:port there)', () => {
    const { auth } = setup();
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    const d = register(auth, answer(ch, { username: '1000', password: '1234', uri: 'sip:127.0.0.1:5060' }));
    expect(d).toMatchObject({ kind: 'ok', username: '1000', realm: REALM, algorithm: 'MD5', renewed: false });
  });

  it('accepts credentials without algorithm as MD5 (Linphone)', () => {
    const { auth } = setup();
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    expect(register(auth, answer(ch, { username: '1000', password: '1234', sendAlgorithm: false })).kind).toBe('ok');
  });

  it('accepts an old phone that answers without qop, unless the profile refuses that', () => {
    const { auth } = setup();
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    const creds = answer(ch, { username: '1000', password: '1234', qop: false });
    expect(register(auth, creds).kind).toBe('ok');
    // The same nonce may be used again without a count.
    expect(register(auth, creds)).toMatchObject({ kind: 'ok', renewed: true });
    const strict = setup({ acceptNoQop: false }).auth;
    const ch2 = challengeOf(register(strict, undefined)).headerValues[0]!;
    expect(register(strict, answer(ch2, { username: '1000', password: '1234', qop: false }))).toMatchObject({ kind: 'challenge', cause: 'unsupported-qop' });
  });

  it('accepts SHA-256 and MD5 answers when both are offered, and refuses an algorithm that is not offered', () => {
    const both = setup({ algorithms: ['SHA-256', 'MD5'] }).auth;
    const [sha, md5] = challengeOf(register(both, undefined)).headerValues;
    expect(register(both, answer(sha!, { username: '1000', password: '1234' }))).toMatchObject({ kind: 'ok', algorithm: 'SHA-256' });
    // Both challenges carry one nonce, so the second answer needs the next nonce-count.
    expect(register(both, answer(md5!, { username: '1001', password: '1234', nc: '00000002' }))).toMatchObject({ kind: 'ok', algorithm: 'MD5' });
    const md5Only = setup().auth;
    const ch = challengeOf(register(md5Only, undefined)).headerValues[0]!;
    expect(register(md5Only, answer(ch, { username: '1000', password: '1234', algorithm: 'SHA-256' }))).toMatchObject({
      kind: 'challenge',
      cause: 'unsupported-algorithm',
    });
  });

  it('accepts a user whose directory entry has an a1-hash instead of a password', () => {
    const { auth } = setup();
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    expect(register(auth, answer(ch, { username: 'hashed', password: 's3cret' })).kind).toBe('ok');
    expect(register(auth, answer(ch, { username: 'hashed', password: 'wrong', nc: '00000002' })).kind).toBe('forbidden');
  });

  it('refuses a SHA-256 answer for a user who has only an MD5 a1-hash', () => {
    const { auth } = setup({ algorithms: ['SHA-256', 'MD5'] });
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    expect(register(auth, answer(ch, { username: 'hashed', password: 's3cret' })).kind).toBe('forbidden');
  });

  it('applies the spec §2.3 rules for users without a password', () => {
    const { auth } = setup();
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    expect(register(auth, answer(ch, { username: 'open', password: 'anything' })).kind).toBe('ok');
    expect(register(auth, answer(ch, { username: 'nopass', password: 'anything', nc: '00000002' })).kind).toBe('ok');
    expect(register(auth, answer(ch, { username: 'strict', password: 'anything', nc: '00000003' })).kind).toBe('forbidden');
  });

  it('picks the credentials for our realm among several', () => {
    const { auth } = setup();
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    const other = `Digest username="x", realm="elsewhere", nonce="n", uri="sip:x", response="${'1'.repeat(32)}"`;
    expect(register(auth, [other, answer(ch, { username: '1000', password: '1234' })]).kind).toBe('ok');
  });

  it('answers an unknown user and a wrong password with identical decisions', () => {
    const c = clock();
    const nonces = new NonceManager({ now: c.now });
    // The same request against a directory that has 1000 (wrong password) and one that has not.
    const withUser = setup({ nonces }, c).auth;
    const withoutUser = setup({ nonces, lookupUser: () => undefined }, c).auth;
    const ch = challengeOf(register(withUser, undefined)).headerValues[0]!;
    const creds = answer(ch, { username: '1000', password: 'nope' });
    const wrong = register(withUser, creds, { sourceIp: '203.0.113.1' });
    const unknown = register(withoutUser, creds, { sourceIp: '203.0.113.1' });
    expect(wrong).toEqual({ kind: 'forbidden', status: 403, username: '1000', realm: REALM, ban: undefined });
    expect(unknown).toEqual(wrong);
    // And an unknown name in the real directory gets the same shape.
    expect(register(withUser, answer(ch, { username: '9999', password: 'nope', nc: '00000002' }))).toEqual({ ...wrong, username: '9999' });
  });

  it('refuses an auth username that differs from the To user when force-matching is on', () => {
    const { auth } = setup({ forceMatchingUsername: true });
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    expect(register(auth, answer(ch, { username: '1000', password: '1234' }), { toUser: '1001' }).kind).toBe('forbidden');
    expect(register(auth, answer(ch, { username: '1000', password: '1234', nc: '00000002' }), { toUser: '1000' }).kind).toBe('ok');
    // Only REGISTER is checked.
    const inv = auth.authenticate({ method: 'INVITE', credentials: undefined, realm: REALM, sourceIp: '192.168.1.50', toUser: '1001' });
    const ch2 = challengeOf(inv).headerValues[0]!;
    const d = auth.authenticate({
      method: 'INVITE',
      credentials: answer(ch2, { username: '1000', password: '1234', method: 'INVITE' }),
      realm: REALM,
      sourceIp: '192.168.1.50',
      toUser: '1001',
    });
    expect(d.kind).toBe('ok');
  });
});

describe('Authenticator nonces', () => {
  it('re-challenges with stale=true when the nonce expired but the digest is right', () => {
    const { auth, clock: c } = setup();
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    c.t += 60_001;
    const d = challengeOf(register(auth, answer(ch, { username: '1000', password: '1234' })));
    expect(d).toMatchObject({ kind: 'stale', cause: 'expired', status: 401 });
    expect(d.headerValues[0]).toMatch(/, stale=true, algorithm=MD5, qop="auth"$/);
    // The fresh nonce works.
    expect(register(auth, answer(d.headerValues[0]!, { username: '1000', password: '1234' })).kind).toBe('ok');
  });

  it('refuses a wrong password on an expired nonce instead of calling it stale', () => {
    const { auth, clock: c } = setup();
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    c.t += 120_000;
    expect(register(auth, answer(ch, { username: '1000', password: 'bad' })).kind).toBe('forbidden');
  });

  it('does not accept the same nonce-count twice (replay)', () => {
    const { auth } = setup();
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    const creds = answer(ch, { username: '1000', password: '1234', nc: '00000001' });
    expect(register(auth, creds).kind).toBe('ok');
    expect(register(auth, creds)).toMatchObject({ kind: 'stale', cause: 'replayed' });
    expect(register(auth, answer(ch, { username: '1000', password: '1234', nc: '00000002' }))).toMatchObject({ kind: 'ok', renewed: true });
  });

  it('does not accept a forged nonce, and stores nothing for it', () => {
    const { auth, nonces } = setup();
    // Well-formed, but signed with a secret the switch does not have.
    const alien = new NonceManager({ secret: Buffer.alloc(32, 0xee) }).issue(REALM);
    const forged = `Digest realm="${REALM}", nonce="${alien}", algorithm=MD5, qop="auth"`;
    const right = register(auth, answer(forged, { username: '1000', password: '1234' }));
    expect(right).toMatchObject({ kind: 'stale', cause: 'forged' });
    const wrong = register(auth, answer(forged, { username: '1000', password: 'guess' }));
    expect(wrong.kind).toBe('forbidden');
    // A nonce from another implementation (FreeSWITCH hands out UUIDs) is treated alike.
    const uuid = `Digest realm="${REALM}", nonce="0b9a4c1e-41f0-4c10-9f3a-3c2a7b1e0010", algorithm=MD5, qop="auth"`;
    expect(register(auth, answer(uuid, { username: '1000', password: '1234' }))).toMatchObject({ kind: 'stale', cause: 'malformed' });
    expect(nonces.trackedCount).toBe(0);
  });

  it('does not accept a nonce issued for another realm', () => {
    const { auth, nonces } = setup();
    const foreign = `Digest realm="${REALM}", nonce="${nonces.issue('other.example')}", algorithm=MD5, qop="auth"`;
    expect(register(auth, answer(foreign, { username: '1000', password: '1234' }))).toMatchObject({ kind: 'stale', cause: 'other-realm' });
  });

  it('accepts a nonce from before a restart when the secret was kept', () => {
    const secret = Buffer.alloc(32, 9);
    const c = clock();
    const before = setup({ nonces: new NonceManager({ secret, now: c.now }) }, c).auth;
    const ch = challengeOf(register(before, undefined)).headerValues[0]!;
    const after = setup({ nonces: new NonceManager({ secret, now: c.now }) }, c).auth;
    expect(register(after, answer(ch, { username: '1000', password: '1234' })).kind).toBe('ok');
  });
});

describe('Authenticator brute-force protection', () => {
  it('bans a source after N failures, logs it, and ignores even right credentials while banned', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          cb();
        },
      }),
    );
    const { auth, clock: c } = setup({ logger, profileName: 'internal' });
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    const ip = '198.51.100.7';
    const decisions = [];
    for (let i = 1; i <= 5; i++) decisions.push(register(auth, answer(ch, { username: '1000', password: `guess${i}`, nc: `0000000${i}` }), { sourceIp: ip }));
    expect(decisions.slice(0, 4).every((d) => d.kind === 'forbidden' && d.ban === undefined)).toBe(true);
    const last = decisions[4]!;
    expect(last.kind === 'forbidden' && last.ban?.ip).toBe(ip);
    const right = answer(ch, { username: '1000', password: '1234', nc: '00000009' });
    expect(register(auth, right, { sourceIp: ip })).toMatchObject({ kind: 'banned', status: 403 });
    expect(register(auth, undefined, { sourceIp: ip }).kind).toBe('banned');
    // Another address is unaffected.
    expect(register(auth, right, { sourceIp: '192.168.1.51' }).kind).toBe('ok');
    expect(lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith(`banning ${ip}`))).toBe(true);
    expect(lines.filter((l) => typeof l.msg === 'string' && /^SIP auth failure \(REGISTER\) on sofia profile 'internal'/.test(l.msg)).length).toBe(5);
    // After the ban time the address may try again.
    c.t += 600_000;
    const ch2 = challengeOf(register(auth, undefined, { sourceIp: ip })).headerValues[0]!;
    expect(register(auth, answer(ch2, { username: '1000', password: '1234' }), { sourceIp: ip }).kind).toBe('ok');
  });

  it('counts a forged-nonce guess and an unknown-user guess as failures', () => {
    const { auth, bans } = setup();
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    register(auth, answer(ch, { username: '4242', password: 'x' }), { sourceIp: '203.0.113.3' });
    register(auth, answer(`Digest realm="${REALM}", nonce="bogus"`, { username: '1000', password: 'x' }), { sourceIp: '203.0.113.3' });
    expect(bans.failuresOf('203.0.113.3')).toBe(2);
  });

  it('keeps authenticating a legitimate phone during a flood of bad REGISTERs', () => {
    const { auth } = setup();
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    let banned = 0;
    for (let i = 0; i < 2000; i++) {
      const d = register(auth, answer(ch, { username: String(1000 + (i % 20)), password: `x${i}` }), { sourceIp: `203.0.113.${i % 4}` });
      if (d.kind === 'banned') banned++;
    }
    // Four attackers, five tries each before their ban: the rest is ignored cheaply.
    expect(banned).toBe(2000 - 4 * 5);
    const ch2 = challengeOf(register(auth, undefined, { sourceIp: '192.168.1.60' })).headerValues[0]!;
    expect(register(auth, answer(ch2, { username: '1000', password: '1234' }), { sourceIp: '192.168.1.60' }).kind).toBe('ok');
  });

  it('refuses but does not count a failure when the directory lookup throws', () => {
    const { auth, bans } = setup({
      lookupUser: () => {
        throw new Error('directory unavailable');
      },
    });
    const ch = challengeOf(register(auth, undefined)).headerValues[0]!;
    expect(register(auth, answer(ch, { username: '1000', password: '1234' }), { sourceIp: '10.9.9.9' }).kind).toBe('forbidden');
    expect(bans.failuresOf('10.9.9.9')).toBe(0);
  });
});
