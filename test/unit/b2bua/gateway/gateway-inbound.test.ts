// Who may call in on a trunk profile: a gateway's address (routed in its context, with its
// inbound variables, to the DID or to its extension when addressed to our gw+ Contact), an
// apply-inbound-acl list (the profile's own authorizer decides), and nobody else (403, and the
// profile's authorizer is not even asked). With auth-calls on, non-gateway callers get digest.
import { describe, expect, it } from 'vitest';
import { createGatewayAuthorizer, gatewayNamedIn, Gateway, type AuthorizedCaller, type InviteAuthorizer } from '../../../../src/b2bua/index.js';
import { silentLogger } from '../../../../src/common/index.js';
import { NameValueSet, SipProfileConf } from '../../../../src/config/index.js';
import { parseMessage, type ServerTransaction, type SipRequest } from '../../../../src/sip/index.js';
import { FakeSip, ManualClock, gatewayConf } from './fakes.js';

const POS = { file: 'test.xml', line: 1, column: 1 };

function profile(params: Record<string, string>): SipProfileConf {
  return new SipProfileConf({
    name: 'external',
    params: new NameValueSet(Object.entries(params).map(([name, value]) => ({ name, value, pos: POS }))),
    gateways: [],
    aliases: [],
    domains: [],
    pos: POS,
    defaults: { localIpV4: '127.0.0.1', globalCodecPrefs: undefined, outboundCodecPrefs: undefined, holdMusic: undefined },
  });
}

function invite(ruri: string, ip: string, port: number): SipRequest {
  const req = parseMessage(Buffer.from([
    `INVITE ${ruri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${ip}:${port};branch=z9hG4bK-1`,
    `From: <sip:+15550001111@${ip}>;tag=a`,
    'To: <sip:5551212@192.0.2.10>',
    'Call-ID: c-1',
    'CSeq: 1 INVITE',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'))) as SipRequest;
  req.source = { transport: 'udp', remoteAddress: ip, remotePort: port, localAddress: '192.0.2.10', localPort: 5080 };
  return req;
}

function fakeTx(): ServerTransaction & { replies: number[] } {
  const replies: number[] = [];
  return { replies, reply: (status: number) => replies.push(status) } as unknown as ServerTransaction & { replies: number[] };
}

function carrier(params: Record<string, string> = {}): Gateway {
  const gw = new Gateway({
    conf: gatewayConf('carrier', { register: 'false', proxy: '198.51.100.7:5060', extension: '1000', ...params }, [
      { name: 'came_via', value: 'carrier', direction: 'inbound' },
      { name: 'goes_out', value: 'x', direction: 'outbound' },
      { name: 'both_ways', value: 'y' },
    ]),
    profile: 'external',
    profileContext: 'public',
    sip: new FakeSip(),
    clock: new ManualClock(),
    logger: silentLogger,
  });
  gw.start();
  return gw;
}

/** A stand-in for the profile's own authorizer, recording that it was asked. */
function base(): InviteAuthorizer & { asked: number } {
  const b = {
    asked: 0,
    authorize(_req: SipRequest, tx: ServerTransaction) {
      b.asked++;
      tx.reply(407);
      return undefined;
    },
  };
  return b;
}

describe('the trunk profile authorizer', () => {
  it('lets a gateway\'s call in, to the DID, in the gateway\'s context, with its inbound variables', () => {
    const gw = carrier({ context: 'from-carrier' });
    const auth = createGatewayAuthorizer({ profile: profile({ 'auth-calls': 'false' }), gateways: () => [gw], base: base(), logger: silentLogger });
    const tx = fakeTx();
    const who = auth.authorize(invite('sip:5551212@192.0.2.10:5080', '198.51.100.7', 5060), tx) as AuthorizedCaller;
    expect(tx.replies).toEqual([]);
    expect(who).toMatchObject({ authenticated: false, destination: undefined, context: 'from-carrier' });
    expect(who.variables).toEqual({ sip_gateway_name: 'carrier', came_via: 'carrier', both_ways: 'y' });
  });

  it.each([
    ['sip:gw+carrier@192.0.2.10:5080', '1000'],
    ['sip:anything@192.0.2.10:5080;gw=carrier', '1000'],
  ])('a call to our registration Contact (%s) goes to the gateway\'s extension', (ruri, dest) => {
    const gw = carrier();
    const auth = createGatewayAuthorizer({ profile: profile({}), gateways: () => [gw], base: undefined, logger: silentLogger });
    const who = auth.authorize(invite(ruri, '198.51.100.7', 5060), fakeTx()) as AuthorizedCaller;
    expect(who.destination).toBe(dest);
    expect(who.context).toBe('public');
  });

  it('extension auto_to_user routes to the To user', () => {
    const gw = carrier({ extension: 'auto_to_user' });
    const auth = createGatewayAuthorizer({ profile: profile({}), gateways: () => [gw], base: undefined, logger: silentLogger });
    expect((auth.authorize(invite('sip:gw+carrier@192.0.2.10', '198.51.100.7', 5060), fakeTx()) as AuthorizedCaller).destination).toBe('5551212');
  });

  it.each([
    ['another host', '203.0.113.9', 5060],
    ['another port of the gateway\'s host', '198.51.100.7', 5070],
  ])('refuses %s with 403 without asking anyone else, even addressed to gw+', (_what, ip, port) => {
    const gw = carrier();
    const b = base();
    const auth = createGatewayAuthorizer({ profile: profile({ 'auth-calls': 'false' }), gateways: () => [gw], base: b, logger: silentLogger });
    for (const ruri of ['sip:5551212@192.0.2.10', 'sip:gw+carrier@192.0.2.10']) {
      const tx = fakeTx();
      expect(auth.authorize(invite(ruri, ip, port), tx)).toBeUndefined();
      expect(tx.replies).toEqual([403]);
    }
    expect(b.asked).toBe(0);
  });

  it('a stopped (killed) gateway lets nothing in any more', async () => {
    const gw = carrier();
    await gw.stop();
    const auth = createGatewayAuthorizer({ profile: profile({}), gateways: () => [gw], base: undefined, logger: silentLogger });
    const tx = fakeTx();
    expect(auth.authorize(invite('sip:5551212@192.0.2.10', '198.51.100.7', 5060), tx)).toBeUndefined();
    expect(tx.replies).toEqual([403]);
  });

  it.each([
    ['an apply-inbound-acl', { 'apply-inbound-acl': 'providers' }],
    ['auth-calls', { 'auth-calls': 'true' }],
  ])('with %s, callers that are no gateway are left to the profile\'s authorizer', (_what, params) => {
    const b = base();
    const auth = createGatewayAuthorizer({ profile: profile(params), gateways: () => [], base: b, logger: silentLogger });
    const tx = fakeTx();
    auth.authorize(invite('sip:5551212@192.0.2.10', '203.0.113.9', 5060), tx);
    expect(b.asked).toBe(1);
    expect(tx.replies).toEqual([407]);
  });
});

describe('gatewayNamedIn', () => {
  it.each([
    ['sip:gw+carrier@192.0.2.10', 'carrier'],
    ['sip:x@192.0.2.10;gw=carrier', 'carrier'],
    ['sip:gw%2Bcarrier@192.0.2.10', 'carrier'],
    ['sip:gw+@192.0.2.10', undefined],
    ['sip:5551212@192.0.2.10', undefined],
  ])('%s names %s', (ruri, name) => {
    expect(gatewayNamedIn(invite(ruri, '203.0.113.9', 5060))).toBe(name);
  });
});
