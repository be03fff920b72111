// Gateways end to end: the switch (a copy of the shipped conf with test gateways) against SIPp
// carriers on loopback. The gateway registers through a SIPp registrar that challenges it
// (state REGED in `sofia status gateway`, sofia::gateway_state through modesl); extensions
// dial 9 + number and the SIPp carrier challenges the INVITE with 407 and checks the answer;
// failover past a carrier that answers garbage, one that never answers and one that sends 503;
// a gateway DOWN by ping is skipped; `limit` refuses the third simultaneous call; the shipped
// line example (caller id 20220601, prefix 6) is honoured; a refused registration backs off;
// the carrier's call to the DID rings extension 1000; strangers get 403 on the trunk port;
// killgw / rescan / restart on the console.
import esl, { type Connection, type Event as EslEvent } from 'modesl';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, freePort, peerAvailable, sipp, startSwitch, type RunningSwitch } from '../harness.js';
import {
  TEST_PASSWORD, UdpPeer, cli, confCopy, dial, header, inviteFinals, receivedMessages, respondTo, startExtension, startSipp, waitUntil,
  type ConfCopy, type GatewaySpec, type SippPeer,
} from './helpers.js';

const hasSipp = peerAvailable('sipp');

/** The shipped commented line.xml example, uncommented and pointed at `proxy` (auth user joe). */
function lineGateway(proxy: string): string {
  const text = readFileSync(join(ROOT, 'conf/sip_profiles/external/line.xml'), 'utf8');
  const gw = /<gateway name="line">[\s\S]*?<\/gateway>/.exec(text)![0];
  return gw
    .replace(/name="proxy" value="[^"]*"/, `name="proxy" value="${proxy}"`)
    .replace(/name="password" value="[^"]*"/, 'name="password" value="s3cret"')
    .replace(/name="register" value="[^"]*"/, 'name="register" value="false"')
    .replace('<param name="ping" value="30"/>', '<param name="auth-username" value="joe"/>');
}

describe.skipIf(!hasSipp)('gateways against SIPp carriers', () => {
  let sw: RunningSwitch;
  let conf: ConfCopy;
  let conn: Connection;
  const events: EslEvent[] = [];
  const peers: SippPeer[] = [];
  const udp: UdpPeer[] = [];
  let carrierA: SippPeer;
  let carrierP: SippPeer;
  let busy503: SippPeer;
  let registrarPort: number;
  let refusing: UdpPeer;
  let pingDead: UdpPeer;
  let inboundPort: number;
  let startedAt = 0;

  beforeAll(async () => {
    peers.push((carrierA = await startSipp('uas-invite-401-expect-auth-200-bye.xml', { timeoutSec: 600 })));
    peers.push((carrierP = await startSipp('uas-invite-407-expect-auth-200-bye.xml', { timeoutSec: 600 })));
    peers.push((busy503 = await startSipp('uas-invite-expect-503.xml', { timeoutSec: 600 })));
    registrarPort = await freePort();
    // A "carrier" that answers everything with bytes that are no SIP message.
    const garbage = await UdpPeer.bind(await freePort());
    udp.push(garbage);
    garbage.onMessage = (_t, reply) => reply('HELLO\r\nthis is not SIP at all\r\n\r\n');
    const mutePort = await freePort(); // nothing listens there: requests go unanswered
    udp.push((refusing = await UdpPeer.bind(await freePort())));
    refusing.onMessage = (t, reply) => t.startsWith('REGISTER ') && reply(respondTo(t, '403 Forbidden'));
    udp.push((pingDead = await UdpPeer.bind(await freePort()))); // records, never answers
    inboundPort = await freePort();
    const plain = (name: string, port: number, extra: Record<string, string> = {}): GatewaySpec => ({ name, params: { username: 'joe', password: 's3cret', register: 'false', proxy: `127.0.0.1:${port}`, ...extra } });
    conf = confCopy({
      replaceExample: true,
      t1Ms: 50, // Timer B/F (64 × T1) 3.2 s: a silent carrier is given up quickly
      gateways: [
        {
          name: 'carrierA',
          params: { username: 'joe', password: 's3cret', realm: 'carrier.test', 'from-user': 'joe', proxy: `127.0.0.1:${carrierA.port}`, 'register-proxy': `127.0.0.1:${registrarPort}`, register: 'true', 'expire-seconds': '3600', 'retry-seconds': '5' },
          variables: [{ name: 'gw_inbound_mark', value: 'from-carrierA', direction: 'inbound' }],
        },
        plain('busy503', busy503.port),
        plain('carrierP', carrierP.port),
        plain('garbage', garbage.port),
        plain('mute', mutePort),
        plain('refused', refusing.port, { register: 'true', 'retry-seconds': '5', username: 'x', password: 'y' }),
        plain('pingdead', pingDead.port, { ping: '5' }),
        plain('carrierIn', inboundPort),
      ],
      routes: `
  <extension name="test_failover">
    <condition field="destination_number" expression="^8(\\d+)$">
      <action application="set" data="hangup_after_bridge=true"/>
      <action application="bridge" data="sofia/gateway/garbage/$1|sofia/gateway/mute/$1|sofia/gateway/busy503/$1|sofia/gateway/carrierA/$1"/>
    </condition>
  </extension>
  <extension name="test_all_fail">
    <condition field="destination_number" expression="^7(\\d+)$">
      <action application="bridge" data="sofia/gateway/garbage/$1|sofia/gateway/busy503/$1"/>
    </condition>
  </extension>
  <extension name="test_ping_down">
    <condition field="destination_number" expression="^6(\\d+)$">
      <action application="set" data="hangup_after_bridge=true"/>
      <action application="bridge" data="sofia/gateway/pingdead/$1|sofia/gateway/carrierA/$1"/>
    </condition>
  </extension>
  <extension name="test_proxy_auth">
    <condition field="destination_number" expression="^4(\\d+)$">
      <action application="set" data="hangup_after_bridge=true"/>
      <action application="bridge" data="sofia/gateway/carrierP/$1"/>
    </condition>
  </extension>
  <extension name="test_line">
    <condition field="destination_number" expression="^5(\\d+)$">
      <action application="set" data="hangup_after_bridge=true"/>
      <action application="bridge" data="sofia/gateway/line/$1"/>
    </condition>
  </extension>`,
      tollAllow: { 1002: 'domestic,local' },
    });
    // The shipped example, enabled in the copy.
    writeFileSync(join(conf.dir, 'sip_profiles/external/line.xml'), `<include>\n${lineGateway(`127.0.0.1:${carrierA.port}`)}\n</include>\n`);
    sw = await startSwitch({ confDir: conf.dir, vars: { default_password: TEST_PASSWORD, default_provider: 'carrierA', default_provider_max_calls: '2' } });
    startedAt = Date.now();
    conn = await new Promise<Connection>((resolve, reject) => {
      const c = new esl.Connection('127.0.0.1', sw.eslPort, 'ClueCon');
      c.once('esl::ready', () => resolve(c));
      c.once('error', reject);
    });
    await new Promise<void>((resolve) => conn.events('plain', 'CUSTOM sofia::gateway_state', () => resolve()));
    conn.on('esl::event::CUSTOM::*', (e: EslEvent) => events.push(e));
    // The registrar starts only now: the first REGISTER times out and the retry, 5 s later, is
    // challenged and accepted, all of it seen through the event socket.
    peers.push(await startSipp('uas-register-401-expect-auth-200.xml', { port: registrarPort, extra: ['-m', '1'], timeoutSec: 600 }));
  }, 60_000);

  afterAll(async () => {
    conn?.socket?.destroy();
    for (const p of peers) await p.stop();
    for (const u of udp) u.close();
    if (sw) expect(await sw.stop()).toBe(0);
    conf?.remove();
  });

  const invitesTo = (peer: SippPeer) => receivedMessages(peer.messages(), 'INVITE ');
  const gatewayEvents = (gw: string) => events.filter((e) => e.getHeader('Gateway') === gw);

  it('the gateway answers the registrar\'s challenge and is REGED and UP; sofia::gateway_state tells each step', async () => {
    await waitUntil(async () => /State   \tREGED/.test(await cli(sw, 'sofia status gateway carrierA')), 20_000, 'carrierA REGED');
    const detail = await cli(sw, 'sofia status gateway carrierA');
    expect(detail).toContain('Status  \tUP\n');
    expect(detail).toContain(`Proxy   \tsip:127.0.0.1:${registrarPort}\n`);
    expect(detail).toMatch(/Contact \t<sip:gw\+carrierA@127\.0\.0\.1:\d+;transport=udp;gw=carrierA>/);
    expect(await cli(sw, 'sofia status')).toMatch(/ +external::carrierA\tgateway\t +sip:joe@127\.0\.0\.1:\d+\tREGED\n/);
    await waitUntil(() => gatewayEvents('carrierA').some((e) => e.getHeader('State') === 'REGED'), 5000, 'the REGED event');
    const states = gatewayEvents('carrierA').map((e) => e.getHeader('State'));
    expect(states.slice(-2)).toEqual(['REGISTER', 'REGED']);
    const reged = gatewayEvents('carrierA').find((e) => e.getHeader('State') === 'REGED')!;
    expect(reged.getHeader('Ping-Status')).toBe('UP');
    expect(reged.getHeader('Register-Network-IP')).toBe('127.0.0.1');
    expect(reged.getHeader('Register-Network-Port')).toBe(String(registrarPort));
    // The gateway whose registrar refuses it: FAILED with the status and phrase.
    await waitUntil(() => gatewayEvents('refused').some((e) => e.getHeader('State') === 'FAILED'), 15_000, 'a FAILED event');
    const failed = gatewayEvents('refused').find((e) => e.getHeader('State') === 'FAILED')!;
    expect([failed.getHeader('Status'), failed.getHeader('Phrase'), failed.getHeader('Ping-Status')]).toEqual(['403', 'Forbidden', 'UP']);
  });

  it('9 + number: the carrier gets INVITE sip:<number>@<proxy> from the gateway\'s user, answers it after a 401 and verifies the digest', async () => {
    const caller = await dial(sw, '1001', '92125551234');
    peers.push(caller);
    expect(await caller.exit()).toBe(0);
    expect(inviteFinals(caller.messages())).toEqual([200]);
    const [first, second] = invitesTo(carrierA);
    expect(first!.split('\n')[0]).toBe(`INVITE sip:2125551234@127.0.0.1:${carrierA.port} SIP/2.0`);
    expect(header(first!, 'To')).toBe(`<sip:2125551234@127.0.0.1:${carrierA.port}>`);
    expect(header(first!, 'From')).toMatch(new RegExp(`^"FreeSWITCH" <sip:joe@127\\.0\\.0\\.1:${carrierA.port}>;tag=`));
    expect(header(first!, 'Remote-Party-ID')).toBe(`"FreeSWITCH" <sip:0000000000@127.0.0.1:${carrierA.port}>;party=calling;screen=yes;privacy=off`);
    expect(header(first!, 'X-Gateway-Test')).toBe('passed-through');
    expect(header(second!, 'Authorization')).toMatch(/^Digest username="joe", realm="carrier\.test", nonce="inv\d+", uri="sip:2125551234@127\.0\.0\.1:\d+", response="[0-9a-f]{32}"/);
    expect(header(second!, 'Call-ID')).toBe(header(first!, 'Call-ID'));
    await waitUntil(() => receivedMessages(carrierA.messages(), 'BYE ').length === 1, 5000, 'the BYE at the carrier');
    expect(await cli(sw, 'sofia status gateway carrierA')).toMatch(/CallsOUT\t1\n[\s\S]*FailedCallsOUT\t0\n/);
  });

  it('a carrier that challenges with 407 gets Proxy-Authorization', async () => {
    const caller = await dial(sw, '1001', '45551999');
    peers.push(caller);
    expect(await caller.exit()).toBe(0);
    expect(inviteFinals(caller.messages())).toEqual([200]);
    const [, second] = invitesTo(carrierP);
    expect(header(second!, 'Proxy-Authorization')).toMatch(/^Digest username="joe", realm="carrier\.test"/);
  });

  it('an extension whose toll_allow lacks international dialling 9 00… gets 403 and the carrier sees nothing', async () => {
    const before = invitesTo(carrierA).length;
    const caller = await dial(sw, '1002', '900441632960123');
    peers.push(caller);
    expect(await caller.exit()).toBe(0);
    expect(inviteFinals(caller.messages())).toEqual([403]);
    expect(receivedMessages(caller.messages(), 'SIP/2.0 403').some((m) => /Reason: Q\.850;cause=52;text="OUTGOING_CALL_BARRED"/.test(m))).toBe(true);
    expect(invitesTo(carrierA)).toHaveLength(before);
  });

  it('fails over past garbage, silence and a 503 to the next carrier', async () => {
    const before = invitesTo(carrierA).length;
    const busyBefore = invitesTo(busy503).length;
    const caller = await dial(sw, '1001', '85551000');
    peers.push(caller);
    expect(await caller.exit(40_000)).toBe(0);
    expect(inviteFinals(caller.messages())).toEqual([200]);
    expect(invitesTo(busy503).length).toBe(busyBefore + 1);
    expect(invitesTo(carrierA).slice(before).map((m) => m.split('\n')[0])).toEqual([
      `INVITE sip:5551000@127.0.0.1:${carrierA.port} SIP/2.0`,
      `INVITE sip:5551000@127.0.0.1:${carrierA.port} SIP/2.0`,
    ]);
  });

  it('when every carrier fails the caller gets a clear cause: the last carrier\'s 503', async () => {
    const caller = await dial(sw, '1001', '75551001');
    peers.push(caller);
    expect(await caller.exit(40_000)).toBe(0);
    expect(inviteFinals(caller.messages())).toEqual([503]);
  });

  it('a gateway DOWN by ping is skipped without an INVITE', async () => {
    await waitUntil(async () => /Status  \tDOWN/.test(await cli(sw, 'sofia status gateway pingdead')), 15_000, 'pingdead DOWN');
    expect(pingDead.requests('OPTIONS').length).toBeGreaterThan(0);
    const before = invitesTo(carrierA).length;
    const caller = await dial(sw, '1001', '65551002');
    peers.push(caller);
    expect(await caller.exit()).toBe(0);
    expect(inviteFinals(caller.messages())).toEqual([200]);
    expect(pingDead.requests('INVITE')).toHaveLength(0);
    expect(invitesTo(carrierA).length).toBe(before + 2);
  });

  it('limit: with 2 allowed, the third simultaneous call through the gateway is refused (503)', async () => {
    const caller = await dial(sw, '1001', '95551003', { calls: 3, holdMs: 2500 });
    peers.push(caller);
    await waitUntil(async () => (await cli(sw, 'limit_usage hash outbound carrierA')).trim() === '2', 5000, 'two calls counted');
    expect(await caller.exit()).toBe(0);
    expect(inviteFinals(caller.messages()).sort()).toEqual([200, 200, 503]);
    await waitUntil(async () => (await cli(sw, 'limit_usage hash outbound carrierA')).trim() === '0', 5000, 'the counts released');
  });

  it('the shipped line example: caller id 20220601 in From and Remote-Party-ID, and 6 before the number', async () => {
    const before = invitesTo(carrierA).length;
    const caller = await dial(sw, '1001', '55551234');
    peers.push(caller);
    expect(await caller.exit()).toBe(0);
    expect(inviteFinals(caller.messages())).toEqual([200]);
    const invite = invitesTo(carrierA)[before]!;
    expect(invite.split('\n')[0]).toBe(`INVITE sip:65551234@127.0.0.1:${carrierA.port} SIP/2.0`);
    expect(header(invite, 'From')).toMatch(/<sip:20220601@127\.0\.0\.1:\d+>/);
    expect(header(invite, 'Remote-Party-ID')).toMatch(/<sip:20220601@127\.0\.0\.1:\d+>/);
  });

  it('a registration the registrar refuses waits retry-seconds, then longer, and never loops faster', async () => {
    const regs = refusing.requests('REGISTER');
    expect(regs.length).toBeGreaterThanOrEqual(2);
    // retry-seconds 5: the 1st failure waits 5 s, the 2nd 10 s, …
    const elapsedSec = (Date.now() - startedAt) / 1000;
    expect(regs.length).toBeLessThanOrEqual(1 + Math.ceil(elapsedSec / 5));
    for (let i = 1; i < regs.length; i++) expect(regs[i]!.at - regs[i - 1]!.at).toBeGreaterThanOrEqual(4900);
    if (regs.length >= 3) expect(regs[2]!.at - regs[1]!.at).toBeGreaterThanOrEqual(9900);
    expect(await cli(sw, 'sofia status')).toMatch(/external::refused\tgateway\t +sip:x@127\.0\.0\.1:\d+\tFAIL_WAIT \(retry: \d+s\)\n/);
  });

  it('the carrier\'s call to the DID rings extension 1000 (public context → transfer 1000 XML default)', async () => {
    const ext = await startExtension(sw, '1000');
    peers.push(ext);
    const carrierIn = await startSipp('uac-invite-did-expect-200-send-bye.xml', { port: inboundPort, target: `127.0.0.1:${sw.externalPort}`, extra: ['-s', '5551212', '-m', '1', '-d', '500'] });
    peers.push(carrierIn);
    expect(await carrierIn.exit()).toBe(0);
    const rang = receivedMessages(ext.messages(), 'INVITE ');
    expect(rang).toHaveLength(1);
    expect(header(rang[0]!, 'From')).toMatch(/\+15550001111/);
    expect(await cli(sw, 'sofia status gateway carrierIn')).toMatch(/CallsIN \t1\n/);
  });

  it.each(['5551212', '1000', '92125551234', 'gw+carrierA'])('a stranger\'s INVITE to %s on the trunk port gets 403', async (dest) => {
    const r = await sipp('uac-invite-expect-403.xml', `127.0.0.1:${sw.externalPort}`, ['-s', dest]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
  });

  it('an unauthenticated INVITE to the internal profile gets 407', async () => {
    const r = await sipp('uac-invite-expect-407.xml', `127.0.0.1:${sw.internalPort}`, ['-s', '92125551234']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
  });

  it('killgw removes a gateway (calls to it: INVALID_GATEWAY); rescan brings back what the files define', async () => {
    expect(await cli(sw, 'sofia profile external killgw busy503')).toBe('+OK gateway marked for deletion.\n');
    expect(await cli(sw, 'sofia status gateway busy503')).toBe('Invalid Gateway!\n');
    expect(await cli(sw, 'sofia profile external killgw busy503', true)).toBe('-ERR no such gateway.\n');
    const caller = await dial(sw, '1001', '75551004');
    peers.push(caller);
    expect(await caller.exit(20_000)).toBe(0);
    expect(inviteFinals(caller.messages())).toEqual([484]); // INVALID_GATEWAY, the last failure
    conf.writeGateway({ name: 'newcomer', params: { register: 'false', proxy: '127.0.0.1:9' } });
    expect(await cli(sw, 'sofia profile external rescan')).toBe('Reload XML [Success]\n+OK scan complete\n');
    expect(await cli(sw, 'sofia status gateway busy503')).toMatch(/State   \tNOREG/);
    expect(await cli(sw, 'sofia status gateway newcomer')).toMatch(/State   \tNOREG/);
  });

  it('restart: the profile closes and opens again and its gateways start again', async () => {
    expect(Date.now() - startedAt).toBeGreaterThan(10_000);
    expect(await cli(sw, 'sofia profile external restart')).toBe('Reload XML [Success]\nrestarting: external\n');
    expect(await cli(sw, 'sofia profile external restart')).toMatch(/^Profile external must be up for at least 10 seconds to stop\/restart\.\nPlease wait \d+ seconds?\n$/);
    expect(await cli(sw, 'sofia status gateway carrierIn')).toMatch(/State   \tNOREG/);
    const r = await sipp('uac-invite-expect-403.xml', `127.0.0.1:${sw.externalPort}`, ['-s', '5551212']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
  });
});
