// Registration against the real switch process: SIPp does the 401 dance for 1000, a wrong
// password gets 403 and no binding, Expires: 0 removes, a restart on the same data directory
// keeps the binding; unknown and known users get identical answers; bad input gets a 4xx and
// stores nothing; repeated failures ban the address; a flood of bad credentials does not slow a
// good phone down.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, peerAvailable, sipp, startSwitch, type RunningSwitch } from '../harness.js';
import { answer, comparable, Phone } from '../../unit/registrar/phone.js';
import { cli, registrationCount, waitUntil } from './helpers.js';

const hasSipp = peerAvailable('sipp');
const REG = 'uac-register-auth-expect-200.xml';
const BAD = 'uac-register-badpass-expect-403.xml';

describe.skipIf(!hasSipp)('registration with SIPp', () => {
  let sw: RunningSwitch;
  const phones: Phone[] = [];
  const target = () => `127.0.0.1:${sw.internalPort}`;
  beforeAll(async () => {
    // Tests here send wrong passwords from 127.0.0.1 on purpose: no ban in this switch.
    sw = await startSwitch({ vars: { auth_fail_ban_count: '0' } });
  });
  afterAll(async () => {
    for (const p of phones) p.close();
    expect(await sw.stop()).toBe(0);
  });
  const phone = async () => {
    const p = await Phone.udp(sw.internalPort);
    phones.push(p);
    return p;
  };

  it('registers 1000 with the 401 dance, and the console lists the binding', async () => {
    const port = await freePort();
    const r = await sipp(REG, target(), ['-s', '1000', '-au', '1000', '-ap', '1234', '-key', 'expires', '3600', '-p', String(port)]);
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(r.messages).toMatch(/SIP\/2\.0 401 Unauthorized[\s\S]*WWW-Authenticate: Digest realm="127\.0\.0\.1", nonce="[^"]+", algorithm=MD5, qop="auth"/);
    expect(r.messages).toContain(`Contact: <sip:1000@127.0.0.1:${port};transport=UDP>;expires=3600`);
    const reg = await cli(sw, 'sofia status profile internal reg');
    expect(reg).toContain('User:       \t1000@127.0.0.1\n');
    expect(reg).toContain(`Contact:    \t"" <sip:1000@127.0.0.1:${port};transport=UDP>\n`);
    expect(reg).toContain('Agent:      \tSIPp/1000\n');
    expect(reg).toMatch(/Status:     \tRegistered\(UDP\)\(unknown\) EXP\(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\) EXPSECS\(3[56]\d\d\)\n/);
    expect(reg).toContain(`IP:         \t127.0.0.1\nPort:       \t${port}\nAuth-User:  \t1000\nAuth-Realm: \t127.0.0.1\n`);
    const show = await cli(sw, 'show registrations');
    expect(show).toMatch(new RegExp(`^reg_user,realm,token,url,expires,network_ip,network_port,network_proto,hostname,metadata\\n1000,127\\.0\\.0\\.1,[^,]+,sofia/internal/sip:1000@127\\.0\\.0\\.1:${port};transport=UDP,\\d+,127\\.0\\.0\\.1,${port},udp,[^,]*,\\n\\n1 total\\.\\n$`));
    const json = JSON.parse(await cli(sw, 'show registrations as json')) as { row_count: number; rows: Array<Record<string, string>> };
    expect(json.row_count).toBe(1);
    expect(json.rows[0]).toMatchObject({ reg_user: '1000', network_port: String(port), network_proto: 'udp' });
    expect(await cli(sw, 'sofia status profile internal')).toMatch(/REGISTRATIONS    \t1\n/);

    // Expires: 0 from the same contact removes it.
    const un = await sipp(REG, target(), ['-s', '1000', '-au', '1000', '-ap', '1234', '-key', 'expires', '0', '-p', String(port)]);
    expect(un.code, un.stdout + un.stderr + un.messages).toBe(0);
    expect(await registrationCount(sw)).toBe(0);
    expect(await cli(sw, 'sofia status profile internal reg')).toContain('Total items returned: 0\n');
  });

  it('answers a wrong password with 403 and stores nothing', async () => {
    const r = await sipp(BAD, target(), ['-s', '1001', '-au', '1001', '-ap', 'not-the-password', '-key', 'expires', '3600']);
    expect(r.code, r.stdout + r.stderr + r.messages).toBe(0);
    expect(r.messages).toMatch(/SIP\/2\.0 403 Forbidden/);
    expect(await cli(sw, 'sofia status profile internal reg')).toContain('Total items returned: 0\n');
    expect(await registrationCount(sw)).toBe(0);
    const failure = "SIP auth failure (REGISTER) on sofia profile 'internal' for [1001@127.0.0.1] from ip 127.0.0.1";
    await waitUntil(() => sw.logs.some((l) => l.msg === failure), 5000, 'the auth failure line');
  });

  it('answers an unknown user exactly as a known one, apart from tags and nonces', async () => {
    const known = await phone();
    const unknown = await phone();
    const a = await known.register({ user: '1000', password: 'guess', expires: '3600' });
    const b = await unknown.register({ user: '4242', password: 'guess', expires: '3600' });
    const norm = (p: Phone, lines: string[]) => lines.map((l) => l.replaceAll(String(p.port), 'PORT').replaceAll(p.callId, 'CALLID').replace(/\b(1000|4242)\b/g, 'USER'));
    expect(a.first.status).toBe(401);
    expect(a.final.status).toBe(403);
    expect(norm(unknown, comparable(b.first))).toEqual(norm(known, comparable(a.first)));
    expect(norm(unknown, comparable(b.final))).toEqual(norm(known, comparable(a.final)));
  });

  const badRows: Array<[string, (p: Phone) => Parameters<Phone['register']>[0], number]> = [
    ['a REGISTER whose Contact is a tel: URI', () => ({ contacts: ['<tel:+15551234567>'], expires: '3600', password: '1234' }), 400],
    ['a REGISTER with Expires over 2^32', () => ({ expires: '4294967296', password: '1234' }), 400],
    ['a REGISTER with 100 contacts', () => ({ expires: '3600', password: '1234', contacts: Array.from({ length: 100 }, (_, i) => `<sip:1000@10.9.${i >> 8}.${i & 255}>`) }), 403],
  ];
  for (const [name, opts, status] of badRows) {
    it(`answers ${name} with ${status} and stores nothing`, async () => {
      const p = await phone();
      const { final } = await p.register(opts(p));
      expect(final.status).toBe(status);
      expect(await registrationCount(sw)).toBe(0);
    });
  }

  it('answers credentials for another realm and a forged nonce with a new challenge, and stores nothing', async () => {
    const p = await phone();
    const first = await p.send({ expires: '3600' });
    const other = answer(first, '1000', '1234', `sip:127.0.0.1`).replace('realm="127.0.0.1"', 'realm="other.example"');
    expect((await p.send({ expires: '3600' }, undefined, other)).status).toBe(401);
    first.setHeader('www-authenticate', first.get('www-authenticate')!.replace(/nonce="[^"]+"/, `nonce="AQ${'Z'.repeat(45)}"`));
    const forged = await p.send({ expires: '3600' }, undefined, answer(first, '1000', '1234', 'sip:127.0.0.1'));
    expect(forged.status).toBe(401);
    expect(forged.get('www-authenticate')).toContain('stale=true');
    expect(await registrationCount(sw)).toBe(0);
  });

  it('answers a REGISTER without Contact with the bindings it has (RFC 3261 §10.2.3 query), storing nothing', async () => {
    const p = await phone();
    const { first, final } = await p.register({ contacts: [], password: '1234' });
    expect([first.status, final.status]).toEqual([401, 200]);
    expect(final.getAll('contact')).toEqual([]);
    expect(await registrationCount(sw)).toBe(0);
  });

  it('registers a good phone promptly while a flood of bad credentials comes in', async () => {
    const p = await phone();
    const time = async () => {
      const t0 = performance.now();
      const { final } = await p.register({ user: '1002', password: '1234', expires: '3600' });
      expect(final.status).toBe(200);
      return performance.now() - t0;
    };
    const quiet: number[] = [];
    for (let i = 0; i < 5; i++) quiet.push(await time());
    const flood = sipp(BAD, target(), ['-s', '1003', '-au', '1003', '-ap', 'wrong', '-key', 'expires', '3600', '-r', '400', '-m', '2400', '-l', '800'], 30);
    await new Promise((r) => setTimeout(r, 1000));
    const busy: number[] = [];
    for (let i = 0; i < 5; i++) busy.push(await time());
    const f = await flood;
    expect(f.code, f.stdout + f.stderr).toBe(0);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2]!;
    // Noticeably slower would be tens of milliseconds on loopback; allow for a busy 2-core machine.
    expect(median(busy), `quiet ${quiet.map((x) => x.toFixed(1))} ms, during flood ${busy.map((x) => x.toFixed(1))} ms`).toBeLessThan(Math.max(100, 10 * median(quiet)));
  });
});

describe.skipIf(!hasSipp)('a banned address, and a restart', () => {
  it('bans 127.0.0.1 after auth_fail_ban_count failures, with FreeSWITCH-style log lines', async () => {
    const sw = await startSwitch({ vars: { auth_fail_ban_count: '3' } });
    try {
      const p = await Phone.udp(sw.internalPort);
      try {
        for (let i = 0; i < 3; i++) expect((await p.register({ password: 'guess', expires: '3600' })).final.status).toBe(403);
        expect((await p.register({ password: '1234', expires: '3600' })).first.status).toBe(403);
      } finally {
        p.close();
      }
      // Log lines reach us through a pipe: wait for them rather than race them.
      const failure = "SIP auth failure (REGISTER) on sofia profile 'internal' for [1000@127.0.0.1] from ip 127.0.0.1";
      await waitUntil(() => sw.logs.filter((l) => l.msg === failure).length >= 3, 5000, 'three auth failure lines');
      await waitUntil(() => sw.logs.some((l) => l.level === 40 && l.msg === 'banning 127.0.0.1 for 300s after 3 failed authentications'), 5000, 'the ban line');
      expect(sw.logs.filter((l) => l.msg === failure)).toHaveLength(3);
      expect(await registrationCount(sw)).toBe(0);
    } finally {
      await sw.stop();
    }
  });

  it('keeps a binding across a restart on the same data directory; it refreshes and unregisters afterwards', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'softswitch-restart-'));
    const port = await freePort();
    try {
      let sw = await startSwitch({ dataDir });
      let r = await sipp(REG, `127.0.0.1:${sw.internalPort}`, ['-s', '1005', '-au', '1005', '-ap', '1234', '-key', 'expires', '3600', '-p', String(port)]);
      expect(r.code, r.messages).toBe(0);
      const before = await cli(sw, 'sofia status profile internal reg');
      expect(await sw.stop()).toBe(0);

      sw = await startSwitch({ dataDir });
      try {
        const after = await cli(sw, 'sofia status profile internal reg');
        const callId = (s: string) => /Call-ID:    \t(.+)\n/.exec(s)?.[1];
        expect(callId(after)).toBe(callId(before));
        expect(after).toContain(`Contact:    \t"" <sip:1005@127.0.0.1:${port};transport=UDP>\n`);
        expect(await registrationCount(sw)).toBe(1);
        // The nonce secret survived too: a fresh dance works, and Expires: 0 finds the binding.
        r = await sipp(REG, `127.0.0.1:${sw.internalPort}`, ['-s', '1005', '-au', '1005', '-ap', '1234', '-key', 'expires', '0', '-p', String(port)]);
        expect(r.code, r.messages).toBe(0);
        expect(await registrationCount(sw)).toBe(0);
      } finally {
        expect(await sw.stop()).toBe(0);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
