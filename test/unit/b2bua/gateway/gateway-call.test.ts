// Gateways on a real SIP stack over loopback UDP, with scripted carriers: registration with
// digest, the INVITE a call through a gateway sends (Request-URI, To, From, caller id, Contact,
// custom headers), the digest answer to the carrier's 401/407, gateway variables (caller id,
// prefix), failover past a 503 and past a DOWN gateway, the default-password guard, and who
// may call in on the trunk profile.
import { afterEach, describe, expect, it } from 'vitest';
import {
  GatewayRegistry, Sofia, SofiaEndpoint, SofiaProfile, createGatewayAuthorizer, type Channel, type OriginatePlan,
} from '../../../../src/b2bua/index.js';
import { silentLogger } from '../../../../src/common/index.js';
import { digestResponse, parseCredentials } from '../../../../src/registrar/index.js';
import type { SipRequest, SipResponse } from '../../../../src/sip/index.js';
import { callHarness, until, type Harness } from '../../support/call-harness.js';
import { Carrier, SDP } from './carrier.js';

interface Fixture {
  h: Harness;
  profile: SofiaProfile;
  registry: GatewayRegistry;
  created: Channel[];
}

const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of open.splice(0).reverse()) await f();
});

async function carrier(): Promise<Carrier> {
  const c = await Carrier.start();
  open.push(() => c.close());
  return c;
}

const PUBLIC = `
<context name="public">
  <extension name="any"><condition field="destination_number" expression="^(.*)$"><action application="hangup" data="USER_BUSY"/></condition></extension>
</context>`;

async function fixture(gateways: string, vars: Record<string, string> = { default_password: 'changed' }): Promise<Fixture> {
  const h = await callHarness({
    vars,
    dialplan: PUBLIC,
    configuration: `<configuration name="sofia.conf"><profiles><profile name="external"><gateways>${gateways}</gateways><settings>
      <param name="sip-ip" value="127.0.0.1"/><param name="sip-port" value="0"/><param name="context" value="public"/>
      <param name="auth-calls" value="false"/><param name="timer-t1" value="20"/></settings></profile></profiles></configuration>`,
  });
  const conf = h.tree().sipProfile('external')!;
  const profile = new SofiaProfile({ conf, logger: silentLogger, userAgent: 'softswitch-test/1' });
  await profile.start();
  const registry = new GatewayRegistry({ logger: silentLogger, global: (n) => h.tree().getGlobal(n) });
  const sofia = new Sofia();
  sofia.gateways = registry;
  const authorizer = createGatewayAuthorizer({ profile: conf, gateways: () => registry.forProfile('external'), base: undefined, logger: silentLogger });
  sofia.add(new SofiaEndpoint({ profile, core: h.core, logger: silentLogger, authorizer }));
  h.core.registerEndpoint(sofia);
  for (const g of conf.gateways) registry.create(g, { name: 'external', context: conf.context, sip: profile.stack }).start();
  const created: Channel[] = [];
  h.core.on('channelCreated', (ch) => created.push(ch));
  open.push(async () => {
    await registry.stopAll(100);
    await h.close();
    await profile.stop();
  });
  return { h, profile, registry, created };
}

function gw(name: string, port: number, params: Record<string, string> = {}, variables = ''): string {
  const all = { username: 'joe', password: 's3cret', proxy: `127.0.0.1:${port}`, register: 'false', ...params };
  return `<gateway name="${name}">${Object.entries(all).map(([k, v]) => `<param name="${k}" value="${v}"/>`).join('')}${variables}</gateway>`;
}

/** A caller leg (not routed) whose outbound legs the test originates. */
function caller(f: Fixture, vars: Record<string, string> = {}): Channel {
  return f.h.endpoint.inbound(f.h.core, { callerIdNumber: '1001', callerIdName: 'Extension 1001', variables: vars });
}

function plan(...groups: string[][]): OriginatePlan {
  return { variables: {}, groups: groups.map((g) => g.map((target) => ({ technology: 'sofia', target, variables: {} }))) };
}

function verifies(credentials: string, req: SipRequest, password: string): boolean {
  const p = parseCredentials(credentials);
  if (p.kind !== 'digest') return false;
  const c = p.credentials;
  return c.uri === req.uri && digestResponse({ algorithm: 'MD5', username: c.username, realm: c.realm, secret: { password }, method: req.method, uri: c.uri, nonce: c.nonce, qop: c.qop, nc: c.nc, cnonce: c.cnonce }) === c.response;
}

const PROXY_CHALLENGE: [string, string] = ['Proxy-Authenticate', 'Digest realm="carrier.test", nonce="n-1", algorithm=MD5, qop="auth"'];

/** A carrier that challenges every INVITE without credentials and answers those with good ones. */
function challengingCarrier(c: Carrier, password = 's3cret', status = 407): void {
  c.handler = (req, carrier) => {
    if (req.method === 'INVITE') {
      const cred = req.get(status === 407 ? 'proxy-authorization' : 'authorization');
      if (!cred) carrier.reply(req, status, [status === 407 ? PROXY_CHALLENGE : ['WWW-Authenticate', PROXY_CHALLENGE[1]]]);
      else if (verifies(cred, req, password)) carrier.reply(req, 200, [['Contact', `<sip:carrier@127.0.0.1:${carrier.port}>`]], SDP);
      else carrier.reply(req, 403);
    } else if (req.method === 'BYE') carrier.reply(req, 200);
  };
}

describe('registration on a real stack', () => {
  it('answers the registrar\'s 401 and is REGED with the expiry it granted', async () => {
    const c = await carrier();
    c.handler = (req, carrier) => {
      if (req.method !== 'REGISTER') return;
      const cred = req.get('authorization');
      if (!cred) carrier.reply(req, 401, [['WWW-Authenticate', 'Digest realm="carrier.test", nonce="r-1", algorithm=MD5, qop="auth"']]);
      else carrier.reply(req, verifies(cred, req, 's3cret') ? 200 : 403, [['Contact', `${req.get('contact')};expires=90`]]);
    };
    const f = await fixture(gw('reg', c.port, { register: 'true', 'expire-seconds': '300' }));
    const g = f.registry.get('reg')!;
    await until(() => g.state === 'REGED', 3000, 'REGED');
    expect(g.expiresSec).toBe(90);
    expect(g.status).toBe('UP');
    const [first, second] = c.requests('REGISTER');
    expect(first!.uri).toBe(`sip:127.0.0.1:${c.port}`);
    expect(first!.get('contact')).toBe(`<sip:gw+reg@127.0.0.1:${f.profile.stack.port};transport=udp;gw=reg>`);
    expect(second!.callId).toBe(first!.callId);
  });
});

describe('calls through a gateway', () => {
  it('send FreeSWITCH\'s INVITE and answer the carrier\'s 407 once with the gateway\'s credentials', async () => {
    const c = await carrier();
    challengingCarrier(c);
    const f = await fixture(gw('carrier', c.port));
    const a = caller(f, { 'sip_h_X-Account': 'acme-42' });
    const result = await f.h.core.originate(plan(['gateway/carrier/5551234']), { originator: a, timeoutSec: 5 });
    expect(result.ok).toBe(true);
    const [first, second] = c.requests('INVITE');
    const port = c.port;
    expect(first!.uri).toBe(`sip:5551234@127.0.0.1:${port}`);
    expect(first!.get('to')).toBe(`<sip:5551234@127.0.0.1:${port}>`);
    expect(first!.get('from')).toMatch(new RegExp(`^"Extension 1001" <sip:joe@127\\.0\\.0\\.1:${port}>;tag=\\S+$`));
    expect(first!.get('remote-party-id')).toBe(`"Extension 1001" <sip:1001@127.0.0.1:${port}>;party=calling;screen=yes;privacy=off`);
    expect(first!.get('contact')).toBe(`<sip:gw+carrier@127.0.0.1:${f.profile.stack.port};transport=udp;gw=carrier>`);
    expect(first!.get('x-account')).toBe('acme-42');
    expect(second!.callId).toBe(first!.callId);
    expect(second!.fromTag).toBe(first!.fromTag);
    expect(second!.cseq!.seq).toBe(first!.cseq!.seq + 1);
    expect(verifies(second!.get('proxy-authorization')!, second!, 's3cret')).toBe(true);
    await c.waitFor((m): m is SipRequest => m.kind === 'request' && m.method === 'ACK' && m.cseq?.seq === first!.cseq!.seq);
    const b = (result as { channel: Channel }).channel;
    expect(b.name).toBe('sofia/gateway/carrier/5551234');
    expect(b.getVariable('sip_gateway_name')).toBe('carrier');
    expect(f.registry.get('carrier')!.counters).toMatchObject({ callsOut: 1, failedCallsOut: 0 });
    b.hangup('NORMAL_CLEARING');
    await c.waitFor((m): m is SipRequest => m.kind === 'request' && m.method === 'BYE');
  });

  it('answers a 401 with Authorization the same way', async () => {
    const c = await carrier();
    challengingCarrier(c, 's3cret', 401);
    const f = await fixture(gw('carrier', c.port));
    const result = await f.h.core.originate(plan(['gateway/carrier/5551234']), { originator: caller(f), timeoutSec: 5 });
    expect(result.ok).toBe(true);
    expect(c.requests('INVITE')[1]!.get('authorization')).toBeDefined();
    (result as { channel: Channel }).channel.hangup();
  });

  it('a second challenge (wrong password) ends the leg with CALL_REJECTED and counts a failed call', async () => {
    const c = await carrier();
    challengingCarrier(c, 'another-password');
    const f = await fixture(gw('carrier', c.port));
    const result = await f.h.core.originate(plan(['gateway/carrier/5551234']), { originator: caller(f), timeoutSec: 5 });
    expect(result).toMatchObject({ ok: false, cause: 'CALL_REJECTED', sipStatus: '403' });
    expect(c.requests('INVITE')).toHaveLength(2);
    await until(() => f.registry.get('carrier')!.counters.failedCallsOut === 1, 1000, 'failed call counted');
  });

  it('applies the gateway\'s outbound variables: caller id 20220601 and a 6 in front of the number', async () => {
    const c = await carrier();
    challengingCarrier(c);
    const vars = '<variables><variable name="effective_caller_id_number" value="20220601" direction="outbound"/><variable name="gateway_prefix" value="6" direction="outbound"/><variable name="only_inbound" value="x" direction="inbound"/></variables>';
    const f = await fixture(gw('line', c.port, { 'caller-id-in-from': 'true', 'from-domain': 'carrier.test' }, vars));
    const result = await f.h.core.originate(plan(['gateway/line/5551234']), { originator: caller(f), timeoutSec: 5 });
    expect(result.ok).toBe(true);
    const invite = c.requests('INVITE')[0]!;
    expect(invite.uri).toBe(`sip:65551234@127.0.0.1:${c.port}`);
    expect(invite.get('from')).toMatch(/^"Extension 1001" <sip:20220601@carrier\.test>;tag=/);
    expect(invite.get('remote-party-id')).toMatch(/<sip:20220601@carrier\.test>/);
    const b = (result as { channel: Channel }).channel;
    expect(b.getVariable('only_inbound')).toBeUndefined();
    b.hangup();
  });

  it('fails over past a carrier that answers 503 to the next gateway', async () => {
    const bad = await carrier();
    bad.handler = (req, c) => req.method === 'INVITE' && c.reply(req, 503);
    const good = await carrier();
    challengingCarrier(good);
    const f = await fixture(gw('bad', bad.port) + gw('good', good.port));
    const result = await f.h.core.originate(plan(['gateway/bad/5551234'], ['gateway/good/5551234']), { originator: caller(f), timeoutSec: 5 });
    expect(result.ok).toBe(true);
    expect(bad.requests('INVITE')).toHaveLength(1);
    expect(good.requests('INVITE')).toHaveLength(2);
    await until(() => f.registry.get('bad')!.counters.failedCallsOut === 1, 1000, 'the 503 counted');
    (result as { channel: Channel }).channel.hangup();
  });

  it('fails over past a carrier that never answers (Timer B) with RECOVERY_ON_TIMER_EXPIRE', async () => {
    const silent = await carrier();
    const f = await fixture(gw('silent', silent.port));
    const result = await f.h.core.originate(plan(['gateway/silent/5551234']), { originator: caller(f), timeoutSec: 10 });
    expect(result).toMatchObject({ ok: false, cause: 'RECOVERY_ON_TIMER_EXPIRE' });
    expect(silent.requests('INVITE').length).toBeGreaterThan(1); // retransmitted, then given up
  });

  it('skips a DOWN gateway without sending it anything (GATEWAY_DOWN), then uses the next', async () => {
    const dead = await carrier(); // answers no REGISTER: the gateway stays TRYING, DOWN
    const good = await carrier();
    challengingCarrier(good);
    const f = await fixture(gw('dead', dead.port, { register: 'true' }) + gw('good', good.port));
    await dead.waitFor((m): m is SipRequest => m.kind === 'request' && m.method === 'REGISTER');
    expect(f.registry.get('dead')!.status).toBe('DOWN');
    const down = await f.h.core.originate(plan(['gateway/dead/5551234']), { originator: caller(f), timeoutSec: 5 });
    expect(down).toMatchObject({ ok: false, cause: 'GATEWAY_DOWN' });
    const result = await f.h.core.originate(plan(['gateway/dead/5551234'], ['gateway/good/5551234']), { originator: caller(f), timeoutSec: 5 });
    expect(result.ok).toBe(true);
    expect(dead.requests('INVITE')).toHaveLength(0);
    (result as { channel: Channel }).channel.hangup();
  });

  it.each([
    ['gateway/nope/5551234', 'INVALID_GATEWAY'],
    ['gateway/carrier/', 'INVALID_NUMBER_FORMAT'],
    ['gateway/carrier/55 51', 'INVALID_NUMBER_FORMAT'],
    ['gateway/carrier/555<script>', 'INVALID_NUMBER_FORMAT'],
  ])('%s fails with %s and sends nothing', async (target, cause) => {
    const c = await carrier();
    const f = await fixture(gw('carrier', c.port));
    const result = await f.h.core.originate(plan([target]), { originator: caller(f), timeoutSec: 5 });
    expect(result).toMatchObject({ ok: false, cause });
    expect(c.requests('INVITE')).toHaveLength(0);
  });

  it('while default_password is the shipped 1234 every gateway leg is refused with OUTGOING_CALL_BARRED', async () => {
    const c = await carrier();
    challengingCarrier(c);
    const f = await fixture(gw('carrier', c.port), { default_password: '1234' });
    const result = await f.h.core.originate(plan(['gateway/carrier/5551234']), { originator: caller(f), timeoutSec: 5 });
    expect(result).toMatchObject({ ok: false, cause: 'OUTGOING_CALL_BARRED' });
    expect(c.requests('INVITE')).toHaveLength(0);
  });
});

describe('calls into the trunk profile', () => {
  function invite(c: Carrier, switchPort: number, ruri: string, callId: string): void {
    c.send(
      [
        `INVITE ${ruri} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${c.port};branch=z9hG4bK-${callId};rport`,
        `From: "Caller" <sip:+15550001111@127.0.0.1:${c.port}>;tag=t-${callId}`,
        `To: <${ruri}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        `Contact: <sip:carrier@127.0.0.1:${c.port}>`,
        'Max-Forwards: 70',
        'Content-Type: application/sdp',
        `Content-Length: ${Buffer.byteLength(SDP)}`,
        '',
        SDP,
      ].join('\r\n'),
      switchPort,
    );
  }

  const finalFor = (c: Carrier, callId: string) => c.waitFor((m): m is SipResponse => m.kind === 'response' && m.callId === callId && m.status >= 200);

  it('from the gateway\'s address: routed to the DID in the profile\'s context, with the gateway\'s inbound variables', async () => {
    const c = await carrier();
    const f = await fixture(gw('carrier', c.port, {}, '<variables><variable name="came_in" value="via-carrier" direction="inbound"/><variable name="goes_out" value="x" direction="outbound"/></variables>'));
    invite(c, f.profile.stack.port, `sip:5551212@127.0.0.1:${f.profile.stack.port}`, 'in-1');
    expect((await finalFor(c, 'in-1')).status).toBe(486);
    const ch = f.created.find((x) => x.getVariable('sip_call_id') === 'in-1')!;
    expect(ch.profile.destinationNumber).toBe('5551212');
    expect(ch.profile.context).toBe('public');
    expect(ch.getVariable('sip_gateway_name')).toBe('carrier');
    expect(ch.getVariable('came_in')).toBe('via-carrier');
    expect(ch.getVariable('goes_out')).toBeUndefined();
    expect(f.registry.get('carrier')!.counters).toMatchObject({ callsIn: 1, failedCallsIn: 1 });
  });

  it('addressed to our gw+ Contact: routed to the gateway\'s extension in its context', async () => {
    const c = await carrier();
    const f = await fixture(gw('carrier', c.port, { extension: '1000', context: 'public' }));
    invite(c, f.profile.stack.port, `sip:gw+carrier@127.0.0.1:${f.profile.stack.port};transport=udp;gw=carrier`, 'in-2');
    await finalFor(c, 'in-2');
    const ch = f.created.find((x) => x.getVariable('sip_call_id') === 'in-2')!;
    expect(ch.profile.destinationNumber).toBe('1000');
  });

  it.each([
    ['another port on the same host', 'sip:5551212'],
    ['another port, addressed to our gw+ Contact', 'sip:gw+carrier'],
  ])('from a stranger (%s): 403, and no channel', async (_what, user) => {
    const c = await carrier();
    const stranger = await carrier();
    const f = await fixture(gw('carrier', c.port));
    invite(stranger, f.profile.stack.port, `${user}@127.0.0.1:${f.profile.stack.port}`, 'in-3');
    expect((await finalFor(stranger, 'in-3')).status).toBe(403);
    expect(f.created).toHaveLength(0);
  });
});
