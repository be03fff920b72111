// The SIP registrar on a real stack over loopback UDP and TCP: the 401 dance, add/refresh/
// remove, RFC 3261 §10.3 answers, bad input, NAT, the lookup the call layer uses, TCP
// connections, the expiry sweep and the events.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventHeader } from '../../../src/common/index.js';
import { makeAor } from '../../../src/registrar/index.js';
import { DOMAIN, startFixture, userXml, type Fixture } from './fixture.js';
import { answer, comparable, Phone } from './phone.js';

const open: Array<Fixture | Phone> = [];
async function fixture(...args: Parameters<typeof startFixture>): Promise<Fixture> {
  const f = await startFixture(...args);
  open.push(f);
  return f;
}
async function phone(f: Fixture, transport: 'udp' | 'tcp' = 'udp'): Promise<Phone> {
  const p = transport === 'udp' ? await Phone.udp(f.stack.port) : await Phone.tcp(f.stack.port);
  open.push(p);
  return p;
}
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

const aor1000 = makeAor('1000', DOMAIN);

describe('digest authentication of REGISTER', () => {
  it('challenges a REGISTER without credentials with 401 in FreeSWITCH\'s shape and stores nothing', async () => {
    const f = await fixture();
    const p = await phone(f);
    const res = await p.send({ expires: '3600' });
    expect(res.status).toBe(401);
    expect(res.get('www-authenticate')).toMatch(/^Digest realm="127\.0\.0\.1", nonce="[A-Za-z0-9_-]{47}", algorithm=MD5, qop="auth"$/);
    expect(f.store.count()).toBe(0);
  });

  it('registers with the right password: 200 lists the contact with its expires and a Date', async () => {
    const f = await fixture();
    const p = await phone(f);
    const { final } = await p.register({ password: '1234', expires: '600' });
    expect(final.status).toBe(200);
    expect(final.getAll('contact')).toEqual([`<sip:1000@127.0.0.1:${p.port}>;expires=600`]);
    expect(new Date(final.get('date')!).getTime()).toBeGreaterThan(Date.now() - 5000);
    const [b] = f.store.lookup(aor1000);
    expect(b).toMatchObject({ user: '1000', domain: DOMAIN, profile: 'internal', authUser: '1000', authRealm: '127.0.0.1', userAgent: 'TestPhone/1.0', natted: false });
  });

  it('accepts an a1-hash in place of a password', async () => {
    const f = await fixture();
    const p = await phone(f);
    expect((await p.register({ user: '1001', password: 'hashed-secret', expires: '600' })).final.status).toBe(200);
    const q = await phone(f);
    expect((await q.register({ user: '1001', password: 'wrong', expires: '600' })).final.status).toBe(403);
  });

  it('answers a wrong password and an unknown user with the same 403, header for header, and stores nothing', async () => {
    const f = await fixture();
    const a = await phone(f);
    const b = await phone(f);
    const wrong = await a.register({ user: '1000', password: 'guess', expires: '600' });
    const unknown = await b.register({ user: '4242', password: 'guess', expires: '600' });
    expect(wrong.final.status).toBe(403);
    const norm = (p: Phone, lines: string[]) => lines.map((l) => l.replaceAll(String(p.port), 'PORT').replaceAll(p.callId, 'CALLID').replace(/\b(1000|4242)\b/g, 'USER'));
    expect(norm(b, comparable(unknown.first))).toEqual(norm(a, comparable(wrong.first)));
    expect(norm(b, comparable(unknown.final))).toEqual(norm(a, comparable(wrong.final)));
    expect(f.store.count()).toBe(0);
    expect(f.custom('sofia::register_failure')).toHaveLength(2);
  });

  it('refuses a user barred with sip-forbid-register exactly like an unknown one', async () => {
    const f = await fixture();
    const p = await phone(f);
    expect((await p.register({ user: '1002', password: '1234', expires: '600' })).final.status).toBe(403);
  });

  it('refuses credentials whose username is not the To user when inbound-reg-force-matching-username is on', async () => {
    const f = await fixture({ forceMatchingUsername: true });
    const p = await phone(f);
    expect((await p.register({ user: '1000', authUser: '1004', password: '1234', expires: '600' })).final.status).toBe(403);
  });

  it('knows a user added to the directory at once, as after reloadxml', async () => {
    const f = await fixture();
    const p = await phone(f);
    expect((await p.register({ user: '1050', password: 'new-pass', expires: '600' })).final.status).toBe(403);
    await f.addUser('1050.xml', userXml('1050', { password: 'new-pass' }));
    const q = await phone(f);
    expect((await q.register({ user: '1050', password: 'new-pass', expires: '600' })).final.status).toBe(200);
  });

  it('bans an address after auth-fail-ban-count failures, with an event, even for the right password afterwards', async () => {
    const f = await fixture({ authFailBanCount: 3 });
    const p = await phone(f);
    for (let i = 0; i < 3; i++) expect((await p.register({ password: 'guess', expires: '600' })).final.status).toBe(403);
    const bans = f.custom('softswitch::auth_ban');
    expect(bans).toHaveLength(1);
    expect(eventHeader(bans[0]!, 'network-ip')).toBe('127.0.0.1');
    expect(eventHeader(bans[0]!, 'failures')).toBe('3');
    expect((await p.register({ password: '1234', expires: '600' })).first.status).toBe(403);
    expect(f.store.count()).toBe(0);
  });

  it('registers a source in apply-register-acl without a challenge and refuses one outside it', async () => {
    const inside = await fixture({ registerAcl: 'loopback.auto' });
    const p = await phone(inside);
    expect((await p.send({ expires: '600' })).status).toBe(200);
    const outside = await fixture({ registerAcl: '10.0.0.0/8' });
    const q = await phone(outside);
    expect((await q.register({ password: '1234', expires: '600' })).first.status).toBe(403);
    expect(outside.store.count()).toBe(0);
  });

  it('registers without a challenge when accept-blind-reg is on, and refuses everything with disable-register', async () => {
    const blind = await fixture({ acceptBlindReg: true });
    const p = await phone(blind);
    expect((await p.send({ user: '7777', expires: '600' })).status).toBe(200);
    expect(blind.store.count()).toBe(1);
    const off = await fixture({ disableRegister: true });
    const q = await phone(off);
    expect((await q.send({ expires: '600' })).status).toBe(403);
  });
});

describe('bindings (RFC 3261 §10.3)', () => {
  it('refreshes, keeps several contacts per user, and removes one with Expires: 0', async () => {
    const f = await fixture();
    const desk = await phone(f);
    const soft = await phone(f);
    await desk.register({ password: '1234', expires: '600' });
    const second = await soft.register({ password: '1234', expires: '300' });
    expect(second.final.getAll('contact').sort()).toEqual(
      [`<sip:1000@127.0.0.1:${desk.port}>;expires=600`, `<sip:1000@127.0.0.1:${soft.port}>;expires=300`].sort(),
    );
    const refreshed = await desk.register({ password: '1234', expires: '900' });
    expect(refreshed.final.getAll('contact')).toContain(`<sip:1000@127.0.0.1:${desk.port}>;expires=900`);
    const gone = await soft.register({ password: '1234', expires: '0' });
    expect(gone.final.getAll('contact')).toEqual([`<sip:1000@127.0.0.1:${desk.port}>;expires=900`]);
    expect(f.store.lookup(aor1000).map((b) => b.sourcePort)).toEqual([desk.port]);
    expect(f.custom('sofia::register').map((e) => eventHeader(e, 'update-reg') ?? 'new')).toEqual(['new', 'new', 'true']);
    const unreg = f.custom('sofia::unregister');
    expect(unreg).toHaveLength(1);
    expect(eventHeader(unreg[0]!, 'contact')).toBe(`"" <sip:1000@127.0.0.1:${soft.port}>`);
  });

  it('removes every binding of the user with the * wildcard', async () => {
    const f = await fixture();
    const a = await phone(f);
    const b = await phone(f);
    await a.register({ password: '1234', expires: '600' });
    await b.register({ password: '1234', expires: '600' });
    const { final } = await a.register({ password: '1234', contacts: ['*'], expires: '0' });
    expect(final.status).toBe(200);
    expect(final.getAll('contact')).toEqual([]);
    expect(f.store.count()).toBe(0);
    expect(f.custom('sofia::unregister')).toHaveLength(2);
  });

  it('answers 423 with Min-Expires to an interval that is too brief', async () => {
    const f = await fixture({ minExpiresSec: 120 });
    const p = await phone(f);
    const { final } = await p.register({ password: '1234', expires: '30' });
    expect(final.status).toBe(423);
    expect(final.get('min-expires')).toBe('120');
    expect(f.store.count()).toBe(0);
  });

  it('shortens an interval over the maximum', async () => {
    const f = await fixture({ maxExpiresSec: 1800 });
    const p = await phone(f);
    expect((await p.register({ password: '1234', expires: '7200' })).final.getAll('contact')).toEqual([`<sip:1000@127.0.0.1:${p.port}>;expires=1800`]);
  });

  it('refuses an out-of-order CSeq on the same Call-ID', async () => {
    const f = await fixture();
    const p = await phone(f);
    const first = await p.send({ expires: '600' }, 10);
    await p.send({ expires: '600' }, 11, answer(first, '1000', '1234', 'sip:127.0.0.1'));
    const again = await p.send({ expires: '600' }, 12);
    const stale = await p.send({ expires: '600' }, 5, answer(again, '1000', '1234', 'sip:127.0.0.1'));
    expect(stale.status).toBe(500);
  });

  it('keeps +sip.instance and reg-id and echoes them in the 200', async () => {
    const f = await fixture();
    const p = await phone(f);
    const c = `<sip:1000@127.0.0.1:${(p as Phone).port}>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1`;
    const { final } = await p.register({ password: '1234', expires: '600', contacts: [c] });
    expect(final.get('contact')).toBe(`<sip:1000@127.0.0.1:${p.port}>;expires=600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1`);
    expect(f.store.lookup(aor1000)[0]).toMatchObject({ instanceId: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>', regId: 1 });
  });

  it('answers a REGISTER without Contact with the current bindings and changes nothing', async () => {
    const f = await fixture();
    const p = await phone(f);
    await p.register({ password: '1234', expires: '600' });
    const q = await phone(f);
    const query = await q.register({ password: '1234', contacts: [] });
    expect(query.final.status).toBe(200);
    expect(query.final.getAll('contact')).toEqual([`<sip:1000@127.0.0.1:${p.port}>;expires=600`]);
    expect(f.store.count()).toBe(1);
  });

  it('applies a user\'s max-registrations-per-extension', async () => {
    const f = await fixture();
    const phones = [await phone(f), await phone(f), await phone(f)];
    const codes = [];
    for (const p of phones) codes.push((await p.register({ user: '1003', password: '1234', expires: '600' })).final.status);
    expect(codes).toEqual([200, 200, 403]);
  });
});

describe('bad input gets a 4xx and stores nothing', () => {
  const rows: Array<[string, (p: Phone) => Parameters<Phone['send']>[0], number, string?]> = [
    ['a Contact URI that is not SIP', () => ({ contacts: ['<tel:+15551234567>'], expires: '600' }), 400, 'Contact URI must be a SIP URI'],
    ['a mailto: Contact', () => ({ contacts: ['<mailto:alice@example.com>'], expires: '600' }), 400, 'Contact URI must be a SIP URI'],
    ['an Expires over 2^32', () => ({ expires: '4294967296' }), 400, 'Invalid Expires header'],
    ['a Contact expires over 2^32', (p) => ({ contacts: [`<sip:1000@127.0.0.1:${p.port}>;expires=99999999999`] }), 400, 'Invalid Contact expires'],
    ['a To without a user', () => ({ user: '', expires: '600' }), 400, 'Invalid To Header'],
  ];
  for (const [name, opts, status, reason] of rows) {
    it(`${name} → ${status}`, async () => {
      const f = await fixture();
      const p = await phone(f);
      const res = await p.send(opts(p));
      expect([res.status, res.reason]).toEqual([status, reason]);
      expect(f.store.count()).toBe(0);
    });
  }

  it('100 contacts → 403 after authentication', async () => {
    const f = await fixture();
    const p = await phone(f);
    const contacts = Array.from({ length: 100 }, (_, i) => `<sip:1000@10.0.${i >> 8}.${i & 255}:5060>`);
    const { final } = await p.register({ password: '1234', expires: '600', contacts });
    expect([final.status, final.reason]).toEqual([403, 'Too many contacts']);
    expect(f.store.count()).toBe(0);
  });

  it('credentials for another realm → a fresh 401', async () => {
    const f = await fixture();
    const p = await phone(f);
    const first = await p.send({ expires: '600' });
    const other = answer(first, '1000', '1234', 'sip:127.0.0.1').replace('realm="127.0.0.1"', 'realm="elsewhere.example"');
    const res = await p.send({ expires: '600' }, undefined, other);
    expect(res.status).toBe(401);
    expect(res.get('www-authenticate')).not.toContain('stale');
    expect(f.store.count()).toBe(0);
  });

  it('a forged nonce → 401 (stale when the digest over it is right), 403 when it is not', async () => {
    const f = await fixture();
    const p = await phone(f);
    const first = await p.send({ expires: '600' });
    const forgedNonce = 'AQ' + 'x'.repeat(45);
    const forged = first.get('www-authenticate')!.replace(/nonce="[^"]+"/, `nonce="${forgedNonce}"`);
    first.setHeader('www-authenticate', forged);
    const right = await p.send({ expires: '600' }, undefined, answer(first, '1000', '1234', 'sip:127.0.0.1'));
    expect(right.status).toBe(401);
    expect(right.get('www-authenticate')).toContain('stale=true');
    const wrong = await p.send({ expires: '600' }, undefined, answer(first, '1000', 'guess', 'sip:127.0.0.1'));
    expect(wrong.status).toBe(403);
    expect(f.store.count()).toBe(0);
  });
});

describe('NAT and reaching a phone', () => {
  it('marks a private Contact seen from another address as NAT and reaches it at the packet source', async () => {
    const f = await fixture({ natAcl: 'rfc1918.auto' });
    const p = await phone(f);
    await p.register({ password: '1234', expires: '600', contacts: ['"Desk" <sip:1000@192.168.1.50:5060>'] });
    const [c] = await f.registrar.lookup('1000', DOMAIN);
    expect(c!.binding.natted).toBe(true);
    expect(c!.requestUri).toBe('sip:1000@192.168.1.50:5060');
    expect(c!.hop).toEqual({ protocol: 'udp', address: '127.0.0.1', port: p.port });
    const [b] = await f.registrar.bindings();
    expect(b!.contactRaw).toBe('"Desk" <sip:1000@192.168.1.50:5060>');
  });

  it('treats a UDP Contact that is not the source ip:port as NAT (nat-contact-mismatch), and not when it is', async () => {
    const f = await fixture({ natAcl: undefined });
    const p = await phone(f);
    await p.register({ password: '1234', expires: '600', contacts: ['<sip:1000@127.0.0.1:5999>'] });
    expect((await f.registrar.lookup('1000', DOMAIN))[0]!.hop.port).toBe(p.port);
    const q = await phone(f);
    await q.register({ user: '1004', password: '1234', expires: '600' });
    const [c] = await f.registrar.lookup('1004', DOMAIN);
    expect([c!.binding.natted, c!.hop.port]).toEqual([false, q.port]);
  });

  it('sorts contacts by q, then newest first, and says whether a user is registered', async () => {
    const f = await fixture();
    const [a, b, c] = [await phone(f), await phone(f), await phone(f)];
    await a.register({ password: '1234', expires: '600', contacts: [`<sip:1000@127.0.0.1:${a.port}>;q=0.5`] });
    await b.register({ password: '1234', expires: '600' });
    f.advance(2000);
    await c.register({ password: '1234', expires: '600' });
    const found = await f.registrar.lookup('1000', 'any.domain');
    expect(found.map((x) => x.hop.port)).toEqual([c.port, b.port, a.port]);
    expect(await f.registrar.isRegistered('1000', DOMAIN)).toBe(true);
    expect(await f.registrar.isRegistered('1004', DOMAIN)).toBe(false);
  });

  it('reaches a phone registered over TCP on that same connection; a NATed one is dropped when it closes', async () => {
    const f = await fixture({ natAcl: 'rfc1918.auto' });
    const p = await phone(f, 'tcp');
    await p.register({ password: '1234', expires: '600', contacts: ['<sip:1000@10.1.2.3:5060;transport=tcp>'] });
    const [c] = await f.registrar.lookup('1000', DOMAIN);
    expect(c!.hop.protocol).toBe('tcp');
    expect(f.stack.hasConnection(c!.hop.connectionId!)).toBe(true);
    expect(f.store.lookup(aor1000)[0]!.transport).toBe('tcp');
    p.close();
    await waitUntil(() => f.custom('sofia::expire').length === 1);
    expect(await f.registrar.lookup('1000', DOMAIN)).toEqual([]);
  });

  it('keeps a direct TCP binding when its connection closes and reaches its Contact with a new connection', async () => {
    const f = await fixture();
    const p = await phone(f, 'tcp');
    await p.register({ password: '1234', expires: '600', contacts: [`<sip:1000@127.0.0.1:5062;transport=tcp>`] });
    p.close();
    await waitUntil(async () => (await f.registrar.lookup('1000', DOMAIN))[0]?.hop.connectionId === undefined);
    const [c] = await f.registrar.lookup('1000', DOMAIN);
    expect(c!.hop).toEqual({ protocol: 'tcp', address: '127.0.0.1', port: 5062 });
    expect(f.custom('sofia::expire')).toHaveLength(0);
  });
});

describe('a restart', () => {
  it('finds every unexpired binding in the store file again, reachable where it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'registrar-restart-'));
    try {
      const file = join(dir, 'registrations.db');
      const first = await startFixture({ natAcl: 'rfc1918.auto' }, { storeFile: file });
      const p = await Phone.udp(first.stack.port);
      await p.register({ password: '1234', expires: '600', contacts: ['<sip:1000@192.168.1.60:5060>'] });
      await p.register({ user: '1004', password: '1234', expires: '600' });
      const before = await first.registrar.lookup('1000', DOMAIN);
      await first.close();
      const second = await startFixture({ natAcl: 'rfc1918.auto' }, { storeFile: file });
      try {
        const after = await second.registrar.lookup('1000', DOMAIN);
        expect(after.map((c) => [c.requestUri, c.hop])).toEqual(before.map((c) => [c.requestUri, c.hop]));
        expect(after[0]!.hop).toEqual({ protocol: 'udp', address: '127.0.0.1', port: p.port });
        expect(await second.registrar.isRegistered('1004', DOMAIN)).toBe(true);
        expect(await second.registrar.count()).toBe(2);
      } finally {
        p.close();
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('expiry, flush and keep-alive', () => {
  it('sweeps a binding once expired past the late margin, with sofia::expire', async () => {
    const f = await fixture({ lateMarginSec: 60 });
    const p = await phone(f);
    await p.register({ password: '1234', expires: '120' });
    f.advance(150_000);
    expect(await f.registrar.sweep()).toBe(0);
    expect(await f.registrar.lookup('1000', DOMAIN)).toHaveLength(1);
    f.advance(40_000);
    expect(await f.registrar.sweep()).toBe(1);
    const [e] = f.custom('sofia::expire');
    expect([eventHeader(e!, 'user'), eventHeader(e!, 'host'), eventHeader(e!, 'profile-name')]).toEqual(['1000', DOMAIN, 'internal']);
    expect(f.store.count()).toBe(0);
  });

  it('flushes by Call-ID, by user@domain and all', async () => {
    const f = await fixture();
    const [a, b, c] = [await phone(f), await phone(f), await phone(f)];
    await a.register({ password: '1234', expires: '600' });
    await b.register({ user: '1004', password: '1234', expires: '600' });
    await c.register({ user: '1003', password: '1234', expires: '600' });
    expect(await f.registrar.flush(a.callId)).toBe(1);
    expect(await f.registrar.flush(`1004@${DOMAIN}`)).toBe(1);
    expect(await f.registrar.flush()).toBe(1);
    expect(f.store.count()).toBe(0);
    expect(f.custom('sofia::expire')).toHaveLength(3);
  });

  it('pings NATed bindings with OPTIONS, records the answer, and drops a phone that stops answering', async () => {
    const f = await fixture({ natAcl: 'rfc1918.auto', natOptionsPing: true, pingIntervalSec: 1, pingMaxFailures: 2 }, { t1Ms: 20, keepaliveTickMs: 50 });
    const p = await phone(f);
    await p.register({ password: '1234', expires: '600', contacts: ['<sip:1000@192.168.7.7:5060>'] });
    await waitUntil(() => p.requests.some((r) => r.method === 'OPTIONS'), 5000);
    const ping = p.requests.find((r) => r.method === 'OPTIONS')!;
    expect(ping.uri).toBe('sip:1000@192.168.7.7:5060');
    await waitUntil(async () => (await f.registrar.bindings())[0] !== undefined && f.registrar.pingTimeMs((await f.registrar.bindings())[0]!) !== undefined);
    p.answerOptions = false;
    await waitUntil(() => f.custom('sofia::expire').length === 1, 15_000);
    expect(f.store.count()).toBe(0);
  }, 20_000);
});

async function waitUntil(cond: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
