import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { loadConfigTree } from '../../../src/config/index.js';
import { cleanup, rootDoc, writeTree } from './conf-fixture.js';

afterEach(cleanup);

const VARS = [
  '<X-PRE-PROCESS cmd="set" data="domain=example.org"/>',
  '<X-PRE-PROCESS cmd="set" data="global_codec_prefs=OPUS,PCMU"/>',
  '<X-PRE-PROCESS cmd="set" data="hold_music=local_stream://moh"/>',
].join('\n');

const SOFIA = `<configuration name="sofia.conf">
  <global_settings><param name="log-level" value="0"/></global_settings>
  <profiles>
    <X-PRE-PROCESS cmd="include" data="profiles/*.xml"/>
  </profiles>
</configuration>`;

async function load(profiles: Record<string, string>, directory = '', overrides: Record<string, string> = {}) {
  const extra: Record<string, string> = {};
  for (const [name, body] of Object.entries(profiles)) extra[`profiles/${name}.xml`] = body;
  const dir = await writeTree({ 'freeswitch.xml': rootDoc({ vars: VARS, configuration: SOFIA, directory }), ...extra });
  return loadConfigTree({ confDir: dir, dataDir: `${dir}/data`, overrides: { local_ip_v4: '192.0.2.1', ...overrides } });
}

async function loadError(profiles: Record<string, string>, directory = ''): Promise<ConfigError> {
  try {
    await load(profiles, directory);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const profile = (name: string, params: Record<string, string>, inner = '') =>
  `<profile name="${name}">\n${inner}\n<settings>\n${Object.entries(params).map(([k, v]) => `  <param name="${k}" value="${v}"/>`).join('\n')}\n</settings>\n</profile>\n`;

describe('profile params', () => {
  test('an empty profile gets the defaults, with addresses and codec prefs from the globals', async () => {
    const t = await load({ p: profile('p', {}) });
    const p = t.sipProfile('P')!;
    expect([p.name, p.sipIp, p.rtpIp, p.sipPort, p.context, p.dialplan]).toEqual(['p', '192.0.2.1', '192.0.2.1', 5060, 'public', 'XML']);
    expect([p.extSipIp, p.extRtpIp]).toEqual([undefined, undefined]);
    expect(p.bool('auth-calls')).toBe(false);
    expect(p.param('challenge-realm')).toBe('auto_to');
    expect(p.int('nonce-ttl')).toBe(60);
    expect(p.int('rfc2833-pt')).toBe(101);
    expect(p.param('dtmf-type')).toBe('rfc2833');
    expect(p.multipleRegistrations).toBe('off');
    expect(p.param('inbound-codec-prefs')).toBe('OPUS,PCMU');
    expect(p.param('outbound-codec-prefs')).toBe('OPUS,PCMU');
    expect(p.param('hold-music')).toBe('local_stream://moh');
    expect([p.int('auth-fail-ban-count'), p.int('auth-fail-window-sec'), p.int('auth-fail-ban-sec')]).toEqual([5, 60, 300]);
    expect([p.int('timer-t1'), p.int('timer-t2'), p.int('timer-t4')]).toEqual([500, 4000, 5000]);
    expect(p.param('force-register-domain')).toBeUndefined();
    expect(p.param('sip-trace')).toBe('false');
    expect(t.sofia.globalSettings.get('log-level')).toBe('0');
  });

  test('set params are read with FreeSWITCH spellings and case-insensitive names', async () => {
    const t = await load({
      p: profile('p', {
        'SIP-Port': '25060', 'sip-ip': '127.0.0.1', 'ext-rtp-ip': '203.0.113.7', 'auth-calls': 'yes', 'sip-trace': 'no',
        'multiple-registrations': 'contact', 'force-register-domain': '$${domain}', 'timer-T1': '250', 'x-custom': 'kept',
      }),
    });
    const p = t.sipProfile('p')!;
    expect([p.sipPort, p.sipIp, p.rtpIp, p.extRtpIp]).toEqual([25060, '127.0.0.1', '127.0.0.1', '203.0.113.7']);
    expect([p.bool('auth-calls'), p.bool('sip-trace'), p.multipleRegistrations, p.param('force-register-domain'), p.int('timer-t1')]).toEqual([true, false, 'contact', 'example.org', 250]);
    expect(p.params.get('x-custom')).toBe('kept');
    expect(p.param('x-unknown', 'fallback')).toBe('fallback');
    expect(p.int('x-unknown-int', 7)).toBe(7);
  });

  test('multiple-registrations true means one binding per contact, call-id per Call-ID', async () => {
    const t = await load({ a: profile('a', { 'multiple-registrations': 'true', 'sip-port': '1' }), b: profile('b', { 'multiple-registrations': 'call-id', 'sip-port': '2' }) });
    expect([t.sipProfile('a')!.multipleRegistrations, t.sipProfile('b')!.multipleRegistrations]).toEqual(['contact', 'call-id']);
  });

  test('a param given twice: the last wins, and list() returns every value', async () => {
    const t = await load({ p: profile('p', {}).replace('</settings>', '<param name="apply-inbound-acl" value="loopback.auto"/>\n<param name="apply-inbound-acl" value="localnet.auto"/>\n</settings>') });
    const p = t.sipProfile('p')!;
    expect(p.param('apply-inbound-acl')).toBe('localnet.auto');
    expect(p.list('apply-inbound-acl')).toEqual(['loopback.auto', 'localnet.auto']);
  });

  test.each([
    [{ 'sip-port': 'five' }, /sip-port must be a whole number, got "five"/],
    [{ 'sip-port': '70000' }, /sip-port must be at most 65535/],
    [{ 'auth-calls': 'sometimes' }, /auth-calls must be true or false, got "sometimes"/],
    [{ 'dtmf-type': 'inband' }, /dtmf-type must be one of rfc2833, info, none/],
    [{ 'multiple-registrations': 'many' }, /multiple-registrations must be one of contact, call-id, true, false/],
    [{ 'rfc2833-pt': '200' }, /rfc2833-pt must be at most 127/],
    [{ 'sip-ip': 'my.host.example' }, /sip-ip must be an IP address/],
    [{ 'apply-inbound-acl': 'domians' }, /apply-inbound-acl refers to ACL list "domians", which is not defined/],
    [{ 'minimum-session-expires': '30' }, /minimum-session-expires must be at least 90/],
  ])('%j is a ConfigError at the param in the profile file', async (params, message) => {
    const e = await loadError({ p: profile('p', params) });
    expect(e.message).toMatch(message);
    expect(e.file).toBe('profiles/p.xml');
    expect(e.line).toBe(4);
    expect(e.column).toBe(3);
  });

  test('two profiles on the same address and port are rejected', async () => {
    const e = await loadError({ a: profile('a', { 'sip-port': '5060' }), b: profile('b', { 'sip-port': '5060' }) });
    expect(e.message).toMatch(/profiles a and b both listen on 192\.0\.2\.1:5060/);
  });

  test('two profiles with the same name are rejected', async () => {
    const e = await loadError({ a: profile('x', { 'sip-port': '1' }), b: profile('x', { 'sip-port': '2' }) });
    expect(e.message).toMatch(/SIP profile "x" is defined twice \(first at profiles\/a\.xml:1:1\)/);
    expect(e.file).toBe('profiles/b.xml');
  });

  test('aliases and domains are read', async () => {
    const t = await load({ p: profile('p', {}, '<aliases><alias name="default"/></aliases><domains><domain name="all" alias="true" parse="false"/></domains>') });
    const p = t.sipProfile('p')!;
    expect(p.aliases).toEqual(['default']);
    expect(p.domains.map((d) => [d.name, d.alias, d.parse])).toEqual([['all', true, false]]);
  });
});

describe('gateways', () => {
  const gw = (name: string, params: Record<string, string>, vars = '') =>
    `<gateway name="${name}">\n${Object.entries(params).map(([k, v]) => `  <param name="${k}" value="${v}"/>`).join('\n')}\n${vars}</gateway>\n`;

  test('derived fields follow FreeSWITCH defaults', async () => {
    const t = await load({ ext: profile('ext', {}, `<gateways>${gw('trunk', { username: 'joe', password: 'pw' })}${gw('ip', { register: 'false', proxy: '198.51.100.5', 'expire-seconds': '3', 'retry-seconds': '2' })}</gateways>`) });
    const trunk = t.findGateway('trunk')!.gateway;
    expect(t.findGateway('trunk')!.profile.name).toBe('ext');
    expect([trunk.register, trunk.username, trunk.realm, trunk.proxy, trunk.fromUser, trunk.fromDomain, trunk.authUsername, trunk.extension]).toEqual([true, 'joe', 'trunk', 'trunk', 'joe', 'trunk', 'joe', 'joe']);
    expect([trunk.expireSeconds, trunk.retrySeconds, trunk.timeoutSeconds, trunk.pingSec, trunk.registerTransport, trunk.callerIdInFrom]).toEqual([3600, 30, 60, 0, 'udp', false]);
    const ip = t.findGateway('IP')!.gateway;
    expect([ip.register, ip.username, ip.realm, ip.proxy, ip.fromDomain, ip.expireSeconds, ip.retrySeconds]).toEqual([false, 'FreeSWITCH', '198.51.100.5', '198.51.100.5', '198.51.100.5', 3600, 30]);
  });

  test('gateway variables keep their direction', async () => {
    const t = await load({ ext: profile('ext', {}, `<gateways>${gw('g', { register: 'false' }, '<variables><variable name="a" value="1" direction="inbound"/><variable name="b" value="2"/></variables>')}</gateways>`) });
    expect(t.findGateway('g')!.gateway.variables.list.map((v) => [v.name, v.value, v.direction])).toEqual([['a', '1', 'inbound'], ['b', '2', undefined]]);
  });

  test.each([
    [gw('g', {}), /gateway "g" registers .* needs both a username and a password/],
    [gw('g', { register: 'false', 'register-transport': 'sctp' }), /register-transport must be udp, tcp or tls/],
    [gw('g', { register: 'false', ping: 'often' }), /ping must be a whole number/],
    [gw('g', { register: 'false' }) + gw('G', { register: 'false' }), /gateway "G" is defined twice/],
    ['<gateway><param name="register" value="false"/></gateway>', /<gateway> needs a name/],
  ])('%s is rejected', async (gateways, message) => {
    const e = await loadError({ ext: profile('ext', {}, `<gateways>${gateways}</gateways>`) });
    expect(e.message).toMatch(message);
  });

  test('gateways of directory users load on a profile whose domain has parse="true"', async () => {
    const directory = `<domain name="example.org"><groups><group name="default"><users>
      <user id="example.com"><gateways>${gw('from-dir', { register: 'false' })}</gateways></user>
    </users></group></groups></domain>`;
    const t = await load(
      {
        ext: profile('ext', { 'sip-port': '5080' }, '<domains><domain name="all" alias="false" parse="true"/></domains>'),
        int: profile('int', {}, '<domains><domain name="all" alias="true" parse="false"/></domains>'),
      },
      directory,
    );
    expect(t.sipProfile('ext')!.gateways.map((g) => g.name)).toEqual(['from-dir']);
    expect(t.sipProfile('int')!.gateways).toEqual([]);
  });
});
