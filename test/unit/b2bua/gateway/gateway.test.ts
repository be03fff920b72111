// The gateway state machine on a manual clock with a fake SIP side: REGISTER shape, digest
// answers to 401 and 407, refresh timing, back-off after failures, timeouts, unregister, pings
// with ping-min/ping-max hysteresis, the sofia::gateway_state event, and source matching.
import { describe, expect, it } from 'vitest';
import { EventBus, eventHeader, silentLogger, type SwitchEvent } from '../../../../src/common/index.js';
import { Gateway, GatewayRegistry, type GatewayState } from '../../../../src/b2bua/index.js';
import { digestResponse, parseCredentials } from '../../../../src/registrar/index.js';
import { FakeSip, ManualClock, flush, gatewayConf, type SentRequest } from './fakes.js';

const CARRIER = { username: 'joe', password: 's3cret', proxy: '198.51.100.7:5070', 'expire-seconds': '120', 'retry-seconds': '30' };

function make(params: Record<string, string> = CARRIER, opts: { bus?: EventBus } = {}) {
  const sip = new FakeSip();
  const clock = new ManualClock();
  const gw = new Gateway({ conf: gatewayConf('carrier', params), profile: 'external', profileContext: 'public', sip, clock, logger: silentLogger, bus: opts.bus, resolve: () => Promise.reject(new Error('no DNS in tests')) });
  const states: GatewayState[] = [];
  gw.on('stateChange', (_from, to) => states.push(to));
  return { sip, clock, gw, states };
}

const CHALLENGE = 'Digest realm="carrier.example", nonce="abc123", algorithm=MD5, qop="auth"';

/** Check a credentials value against the password, as a registrar would. */
function verify(value: string, method: string, password: string): boolean {
  const p = parseCredentials(value);
  if (p.kind !== 'digest') return false;
  const c = p.credentials;
  const expected = digestResponse({ algorithm: 'MD5', username: c.username, realm: c.realm, secret: { password }, method, uri: c.uri, nonce: c.nonce, qop: c.qop, nc: c.nc, cnonce: c.cnonce });
  return expected === c.response;
}

async function registerOk(sip: FakeSip, s?: SentRequest, headers: Array<[string, string]> = []): Promise<void> {
  await flush();
  sip.answer(s ?? sip.last(), 200, headers);
}

describe('registration', () => {
  it('a gateway with register=false is NOREG and UP at once and sends no REGISTER', () => {
    const { gw, sip, states } = make({ register: 'false', proxy: '198.51.100.7' });
    gw.start();
    expect(gw.state).toBe('NOREG');
    expect(gw.status).toBe('UP');
    expect(states).toEqual(['NOREG']);
    expect(sip.sent).toHaveLength(0);
  });

  it('sends a REGISTER shaped as FreeSWITCH does: Request-URI, To/From, gw+ Contact, Expires', async () => {
    const { gw, sip } = make({ ...CARRIER, 'from-user': 'trunk1', 'from-domain': 'carrier.example', 'contact-params': 'tgrp=1' });
    gw.start();
    await flush();
    const { req, hop } = sip.last();
    expect(req.uri).toBe('sip:198.51.100.7:5070');
    expect(req.get('from')).toMatch(/^<sip:trunk1@carrier\.example>;tag=\S+$/);
    expect(req.get('to')).toBe('<sip:trunk1@carrier.example>');
    expect(req.get('contact')).toBe('<sip:gw+carrier@192.0.2.10:5080;transport=udp;gw=carrier;tgrp=1>');
    expect(req.get('expires')).toBe('120');
    expect(hop).toEqual({ protocol: 'udp', address: '198.51.100.7', port: 5070 });
    expect(gw.state).toBe('TRYING');
    expect(gw.status).toBe('DOWN');
  });

  it.each([
    [401, 'www-authenticate', 'authorization'],
    [407, 'proxy-authenticate', 'proxy-authorization'],
  ])('answers a %i with %s credentials computed from the password, then is REGED and UP', async (status, challengeHeader, credHeader) => {
    const { gw, sip, states } = make();
    gw.start();
    await flush();
    const first = sip.last();
    sip.answer(first, status, [[challengeHeader, CHALLENGE]]);
    await flush();
    const second = sip.last();
    expect(second).not.toBe(first);
    expect(second.req.callId).toBe(first.req.callId);
    expect(second.req.fromTag).toBe(first.req.fromTag);
    expect(second.req.cseq!.seq).toBe(first.req.cseq!.seq + 1);
    const cred = second.req.get(credHeader)!;
    expect(cred).toMatch(/^Digest username="joe", realm="carrier\.example", nonce="abc123", uri="sip:198\.51\.100\.7:5070", response="[0-9a-f]{32}", algorithm=MD5, qop=auth, nc=00000001, cnonce="[0-9a-f]+"$/);
    expect(verify(cred, 'REGISTER', 's3cret')).toBe(true);
    sip.answer(second, 200, [['Contact', '<sip:gw+carrier@192.0.2.10:5080;transport=udp;gw=carrier>;expires=120']]);
    expect(states).toEqual(['UNREGED', 'TRYING', 'REGISTER', 'REGED']);
    expect(gw.status).toBe('UP');
    expect(gw.registerNetwork).toEqual({ ip: '198.51.100.7', port: 5070 });
  });

  it('takes the expiry from its own Contact in the 200, else from Expires', async () => {
    const a = make();
    a.gw.start();
    await registerOk(a.sip, undefined, [['Contact', '<sip:someone-else@10.0.0.1>;expires=999'], ['Contact', '<sip:gw+carrier@192.0.2.10:5080>;expires=60']]);
    expect(a.gw.expiresSec).toBe(60);
    const b = make();
    b.gw.start();
    await registerOk(b.sip, undefined, [['Expires', '300']]);
    expect(b.gw.expiresSec).toBe(300);
  });

  it.each([
    [120, 105],
    [3600, 3585],
    [30, 15],
    [20, 10],
  ])('granted %i s, it refreshes after %i s on the same Call-ID and stays UP meanwhile', async (granted, refreshAt) => {
    const { gw, sip, clock } = make();
    gw.start();
    await registerOk(sip, undefined, [['Expires', String(granted)]]);
    const callId = sip.last().req.callId;
    clock.advance(refreshAt * 1000 - 1);
    await flush();
    expect(sip.of('REGISTER')).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(sip.of('REGISTER')).toHaveLength(2);
    expect(sip.last().req.callId).toBe(callId);
    expect(gw.state).toBe('TRYING');
    expect(gw.status).toBe('UP');
    sip.answer(sip.last(), 200, [['Expires', String(granted)]]);
    expect(gw.state).toBe('REGED');
  });

  it('a refresh that fails takes the gateway DOWN', async () => {
    const { gw, sip, clock } = make();
    gw.start();
    await registerOk(sip, undefined, [['Expires', '120']]);
    clock.advance(105_000);
    await flush();
    sip.answer(sip.last(), 403);
    expect(gw.state).toBe('FAIL_WAIT');
    expect(gw.status).toBe('DOWN');
  });

  it('a rejected registration waits retry-seconds, then twice that, and never loops faster', async () => {
    const { gw, sip, clock, states } = make();
    gw.start();
    await flush();
    sip.answer(sip.last(), 403);
    expect(states.slice(-2)).toEqual(['FAILED', 'FAIL_WAIT']);
    expect(gw.lastStatus).toBe(403);
    expect(gw.retryInSec).toBe(30);
    clock.advance(29_999);
    await flush();
    expect(sip.of('REGISTER')).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(sip.of('REGISTER')).toHaveLength(2);
    sip.answer(sip.last(), 403);
    expect(gw.retryInSec).toBe(60);
    // An hour of a registrar that refuses everything: the gaps grow to 10 × retry-seconds.
    for (let i = 0; i < 3600; i++) {
      clock.advance(1000);
      await flush();
      const last = sip.last();
      if (!last.req.get('x-answered')) {
        last.req.addHeader('X-Answered', '1');
        sip.answer(last, 403);
      }
    }
    const n = sip.of('REGISTER').length;
    expect(n).toBeLessThanOrEqual(3600 / 30);
    expect(n).toBeLessThan(25);
    expect(gw.failures).toBe(n);
  });

  it('a second challenge after our credentials (wrong password) fails instead of looping', async () => {
    const { gw, sip } = make();
    gw.start();
    await flush();
    sip.answer(sip.last(), 401, [['WWW-Authenticate', CHALLENGE]]);
    await flush();
    sip.answer(sip.last(), 401, [['WWW-Authenticate', CHALLENGE.replace('abc123', 'def456')]]);
    await flush();
    expect(sip.of('REGISTER')).toHaveLength(2);
    expect(gw.state).toBe('FAIL_WAIT');
    expect(gw.lastStatus).toBe(401);
  });

  it('answers a stale-nonce challenge again with the new nonce', async () => {
    const { gw, sip } = make();
    gw.start();
    await flush();
    sip.answer(sip.last(), 401, [['WWW-Authenticate', CHALLENGE]]);
    await flush();
    sip.answer(sip.last(), 401, [['WWW-Authenticate', 'Digest realm="carrier.example", nonce="fresh", stale=true, algorithm=MD5, qop="auth"']]);
    await flush();
    expect(sip.of('REGISTER')).toHaveLength(3);
    expect(sip.last().req.get('authorization')).toContain('nonce="fresh"');
    sip.answer(sip.last(), 200);
    expect(gw.state).toBe('REGED');
  });

  it('asks again with Min-Expires after a 423', async () => {
    const { gw, sip } = make();
    gw.start();
    await flush();
    sip.answer(sip.last(), 423, [['Min-Expires', '600']]);
    await flush();
    expect(sip.last().req.get('expires')).toBe('600');
    sip.answer(sip.last(), 200);
    expect(gw.state).toBe('REGED');
  });

  it('no answer: TIMEOUT, FAILED with status 908, then a new try after retry-seconds (not more)', async () => {
    const { gw, sip, clock, states } = make();
    gw.start();
    await flush();
    sip.timeout(sip.last());
    expect(states).toEqual(['UNREGED', 'TRYING', 'TIMEOUT', 'FAILED', 'FAIL_WAIT']);
    expect(gw.lastStatus).toBe(908);
    clock.advance(30_000);
    await flush();
    sip.timeout(sip.last());
    expect(gw.retryInSec).toBe(30); // timeouts and 503 do not multiply the wait
  });

  it('timeout-seconds bounds TRYING even when the transaction never ends', async () => {
    const { gw, sip, clock } = make({ ...CARRIER, 'timeout-seconds': '10' });
    gw.start();
    await flush();
    expect(gw.retryInSec).toBe(10);
    clock.advance(10_000);
    expect(gw.state).toBe('FAIL_WAIT');
    expect(gw.lastStatus).toBe(908);
    // A late answer to the abandoned REGISTER changes nothing.
    sip.answer(sip.sent[0]!, 200);
    expect(gw.state).toBe('FAIL_WAIT');
  });

  it('unregister sends Expires 0 (answering its challenge) and goes DOWN; register starts again', async () => {
    const { gw, sip, states } = make();
    gw.start();
    await registerOk(sip);
    expect(gw.unregister()).toBe(true);
    await flush();
    const un = sip.last();
    expect(un.req.get('expires')).toBe('0');
    expect(states.slice(-2)).toEqual(['UNREGISTER', 'DOWN']);
    sip.answer(un, 401, [['WWW-Authenticate', CHALLENGE]]);
    await flush();
    expect(sip.last().req.get('expires')).toBe('0');
    expect(sip.last().req.get('authorization')).toBeDefined();
    expect(gw.register()).toBe(true);
    await flush();
    expect(gw.state).toBe('TRYING');
    expect(sip.last().req.get('expires')).toBe('120');
  });

  it('a NOREG gateway refuses register and unregister', () => {
    const { gw } = make({ register: 'false', proxy: '198.51.100.7' });
    gw.start();
    expect(gw.register()).toBe(false);
    expect(gw.unregister()).toBe(false);
    expect(gw.state).toBe('NOREG');
  });

  it('stop with unregister sends Expires 0 for a registered gateway and stops every timer', async () => {
    const { gw, sip, clock } = make();
    gw.start();
    await registerOk(sip);
    const stopped = gw.stop({ unregister: true, waitMs: 500 });
    await flush();
    expect(sip.last().req.get('expires')).toBe('0');
    sip.answer(sip.last(), 200);
    await stopped;
    expect(gw.state).toBe('DOWN');
    expect(clock.pending).toBe(0);
  });
});

describe('pings', () => {
  const PINGING = { register: 'false', proxy: '198.51.100.7', ping: '5', 'ping-min': '2', 'ping-max': '3' };

  it('sends OPTIONS at once and every ping seconds; 2 failures take it DOWN, 3 successes bring it UP', async () => {
    const { gw, sip, clock } = make(PINGING);
    gw.start();
    clock.advance(0);
    const results = [503, 200, 408, 408, 200, 200, 404, 200];
    const statuses: string[] = [];
    for (const status of results) {
      await flush();
      const ping = sip.last('OPTIONS');
      expect(ping.req.uri).toBe('sip:198.51.100.7');
      sip.answer(ping, status);
      statuses.push(gw.status);
      clock.advance(5000);
    }
    await flush();
    expect(sip.of('OPTIONS')).toHaveLength(results.length + 1);
    // 503 (1 failure: still UP), 200, 408, 408 (2 in a row: DOWN), 200, 200, 404 (3rd success: UP), 200
    expect(statuses).toEqual(['UP', 'UP', 'UP', 'DOWN', 'DOWN', 'DOWN', 'UP', 'UP']);
    expect(gw.pingCount).toBe(3);
  });

  it('a ping nobody answers counts as a failure', async () => {
    const { gw, sip, clock } = make({ ...PINGING, 'ping-min': '1' });
    gw.start();
    clock.advance(0);
    await flush();
    sip.timeout(sip.last('OPTIONS'));
    expect(gw.status).toBe('DOWN');
  });

  it('a TLS gateway is refused when it is created (no TLS transport yet)', () => {
    expect(() => make({ register: 'false', proxy: '198.51.100.7', 'register-transport': 'tls' })).toThrow(/tls is not supported/);
  });

  it('pings values under 5 s become 5 s', () => {
    const { gw } = make({ register: 'false', proxy: '198.51.100.7', ping: '1' });
    expect(gw.pingSec).toBe(5);
  });
});

describe('sofia::gateway_state', () => {
  it('is published on every state change with Gateway, State, Ping-Status and, on failure, Status and Phrase', async () => {
    const bus = new EventBus();
    const events: SwitchEvent[] = [];
    bus.subscribe((e) => e.subclass === 'sofia::gateway_state' && events.push(e));
    const { gw, sip } = make(CARRIER, { bus });
    gw.start();
    await flush();
    sip.answer(sip.last(), 403);
    expect(events.map((e) => eventHeader(e, 'State'))).toEqual(['UNREGED', 'TRYING', 'FAILED', 'FAIL_WAIT']);
    const failed = events[2]!;
    expect(eventHeader(failed, 'Event-Name')).toBe('CUSTOM');
    expect(eventHeader(failed, 'Gateway')).toBe('carrier');
    expect(eventHeader(failed, 'Ping-Status')).toBe('UP');
    expect(eventHeader(failed, 'Status')).toBe('403');
    expect(eventHeader(failed, 'Phrase')).toBe('Forbidden');
    expect(eventHeader(failed, 'Register-Network-IP')).toBeUndefined();
  });
});

describe('where calls come from', () => {
  it.each([
    [{ proxy: '198.51.100.7:5070' }, '198.51.100.7', 5070, true],
    [{ proxy: '198.51.100.7:5070' }, '198.51.100.7', 5071, false],
    [{ proxy: '198.51.100.7' }, '198.51.100.7', 40000, true],
    [{ proxy: '198.51.100.7' }, '::ffff:198.51.100.7', 5060, true],
    [{ proxy: '198.51.100.7' }, '198.51.100.8', 5060, false],
    [{ proxy: '198.51.100.7', 'outbound-proxy': '203.0.113.1:5060' }, '203.0.113.1', 5060, true],
    [{ proxy: 'carrier.example' }, '198.51.100.7', 5060, false],
  ])('proxy %o: a request from %s:%i is the gateway: %s', (params, ip, port, expected) => {
    const { gw } = make({ register: 'false', ...params });
    expect(gw.matchesSource(ip, port)).toBe(expected);
  });

  it('where the registrar answered from counts, port included', async () => {
    const { gw, sip } = make();
    gw.start();
    await registerOk(sip);
    expect(gw.matchesSource('198.51.100.7', 5070)).toBe(true);
  });
});

describe('the registry', () => {
  function registry(password: string) {
    const sip = new FakeSip();
    const clock = new ManualClock();
    const reg = new GatewayRegistry({ logger: silentLogger, global: (n) => (n === 'default_password' ? password : undefined), clock });
    return { reg, sip, clock };
  }

  it('refuses unknown gateways, DOWN gateways, and every gateway while default_password is 1234', async () => {
    const { reg, sip } = registry('not-1234');
    const up = reg.create(gatewayConf('up', { register: 'false', proxy: '198.51.100.7' }), { name: 'external', context: 'public', sip });
    const down = reg.create(gatewayConf('down', CARRIER), { name: 'external', context: 'public', sip });
    up.start();
    down.start();
    await flush();
    expect(reg.refuse('nope')).toBe('INVALID_GATEWAY');
    expect(reg.refuse('UP')).toBeUndefined();
    expect(reg.refuse('down')).toBe('GATEWAY_DOWN');
    const guarded = registry('1234');
    const g = guarded.reg.create(gatewayConf('up', { register: 'false', proxy: '198.51.100.7' }), { name: 'external', context: 'public', sip: guarded.sip });
    g.start();
    expect(guarded.reg.guarded).toBe(true);
    expect(guarded.reg.refuse('up')).toBe('OUTGOING_CALL_BARRED');
  });

  it('refuses a second gateway of the same name, and forgets one removed', async () => {
    const { reg, sip } = registry('x');
    reg.create(gatewayConf('a', { register: 'false', proxy: '198.51.100.7' }), { name: 'external', context: 'public', sip }).start();
    expect(() => reg.create(gatewayConf('A', { register: 'false', proxy: '198.51.100.7' }), { name: 'external', context: 'public', sip })).toThrow(/already exists/);
    expect(await reg.remove('a')).toBe(true);
    expect(reg.get('a')).toBeUndefined();
    expect(await reg.remove('a')).toBe(false);
  });
});
