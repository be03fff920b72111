import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { loadConfigTree } from '../../../src/config/index.js';
import { cleanup, rootDoc, writeTree } from './conf-fixture.js';

afterEach(cleanup);

const BASE_VARS = '<X-PRE-PROCESS cmd="set" data="domain=example.org"/>';

async function load(parts: Parameters<typeof rootDoc>[0], extra: Record<string, string> = {}, overrides: Record<string, string> = {}) {
  const dir = await writeTree({ 'freeswitch.xml': rootDoc({ vars: BASE_VARS, ...parts }), ...extra });
  return loadConfigTree({ confDir: dir, dataDir: `${dir}/data`, overrides: { local_ip_v4: '192.0.2.1', ...overrides } });
}

async function loadError(parts: Parameters<typeof rootDoc>[0], extra: Record<string, string> = {}): Promise<ConfigError> {
  try {
    await load(parts, extra);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const conf = (name: string, body: string) => `<configuration name="${name}">\n${body}\n</configuration>`;
const settings = (params: Record<string, string>) =>
  `<settings>\n${Object.entries(params).map(([k, v]) => `  <param name="${k}" value="${v}"/>`).join('\n')}\n</settings>`;

describe('an empty configuration gets FreeSWITCH defaults everywhere', () => {
  test('switch, event socket, cdr_csv, sofia, directory and dialplan', async () => {
    const t = await load({});
    expect([t.switchConf.rtpStartPort, t.switchConf.rtpEndPort, t.switchConf.maxSessions, t.switchConf.sessionsPerSecond, t.switchConf.loglevel]).toEqual([16384, 32768, 1000, 30, 'info']);
    expect([t.eventSocket.listenIp, t.eventSocket.listenPort, t.eventSocket.password, t.eventSocket.applyInboundAcl]).toEqual(['127.0.0.1', 8021, 'ClueCon', undefined]);
    expect(t.eventSocket.heartbeatIntervalSec).toBe(20);
    expect(t.cdrCsv.defaultTemplate).toBe('default');
    expect(t.cdrCsv.templates.get('default')).toMatch(/^"\$\{caller_id_name\}"/);
    expect(t.cdrCsv.logBase).toBe(t.getGlobal('log_dir'));
    expect(t.sipProfiles).toEqual([]);
    expect(t.directory.domains.size).toBe(0);
    expect(t.dialplan.contexts.size).toBe(0);
    expect(t.configuration('sofia')).toBeUndefined();
  });
});

describe('switch.conf', () => {
  test('reads ports, limits and loglevel', async () => {
    const t = await load({ configuration: conf('switch.conf', settings({ 'rtp-start-port': '20000', 'rtp-end-port': '20100', 'max-sessions': '50', loglevel: 'DEBUG', switchname: 'pbx1' })) });
    expect([t.switchConf.rtpStartPort, t.switchConf.rtpEndPort, t.switchConf.maxSessions, t.switchConf.loglevel, t.switchConf.switchname]).toEqual([20000, 20100, 50, 'debug', 'pbx1']);
  });

  test.each([
    [{ 'rtp-start-port': 'abc' }, /rtp-start-port must be a whole number, got "abc"/],
    [{ 'rtp-start-port': '70000' }, /rtp-start-port must be at most 65535/],
    [{ 'rtp-start-port': '30000', 'rtp-end-port': '20000' }, /rtp-end-port \(20000\) must be above rtp-start-port \(30000\)/],
    [{ loglevel: 'chatty' }, /loglevel must be one of/],
  ])('%j is rejected at the param', async (params, message) => {
    const e = await loadError({ configuration: conf('switch.conf', settings(params)) });
    expect(e.message).toMatch(message);
    expect(e.file).toBe('freeswitch.xml');
    expect(e.line).toBeGreaterThan(3);
  });

  test('a <param> without a name is a ConfigError at that element', async () => {
    const e = await loadError({ configuration: conf('switch.conf', '<settings>\n  <param value="1"/>\n</settings>') });
    expect(e.message).toMatch(/<param> needs a name="…" attribute/);
    expect(e.column).toBe(3);
  });

  test('a <param> without a value is a ConfigError', async () => {
    const e = await loadError({ configuration: conf('switch.conf', '<settings><param name="max-sessions"/></settings>') });
    expect(e.message).toMatch(/<param name="max-sessions"> needs a value/);
  });
});

describe('event_socket.conf', () => {
  test('reads address, port, password and ACL', async () => {
    const t = await load({
      configuration: conf('event_socket.conf', settings({ 'listen-ip': '::', 'listen-port': '0', password: 's3cret', 'apply-inbound-acl': 'lan' }))
        + conf('acl.conf', '<network-lists><list name="lan" default="deny"><node type="allow" cidr="10.0.0.0/8"/></list></network-lists>'),
    });
    expect([t.eventSocket.listenIp, t.eventSocket.listenPort, t.eventSocket.password, t.eventSocket.applyInboundAcl]).toEqual(['::', 0, 's3cret', 'lan']);
  });

  test.each([
    [{ 'listen-ip': 'localhost' }, /listen-ip must be an IP address/],
    [{ 'listen-port': '80a' }, /listen-port must be a whole number/],
    [{ password: '' }, /password must not be empty/],
    [{ 'apply-inbound-acl': 'nosuchlist' }, /refers to ACL list "nosuchlist", which is not defined/],
  ])('%j is rejected', async (params, message) => {
    const e = await loadError({ configuration: conf('event_socket.conf', settings(params)) });
    expect(e.message).toMatch(message);
  });

  test('a built-in *.auto list or a CIDR is accepted as the ACL', async () => {
    const t = await load({ configuration: conf('event_socket.conf', settings({ 'apply-inbound-acl': 'loopback.auto' })) });
    expect(t.eventSocket.applyInboundAcl).toBe('loopback.auto');
    const t2 = await load({ configuration: conf('event_socket.conf', settings({ 'apply-inbound-acl': '10.0.0.0/8' })) });
    expect(t2.eventSocket.applyInboundAcl).toBe('10.0.0.0/8');
  });
});

describe('acl.conf', () => {
  const directory = `<domain name="$\${domain}"><groups><group name="default"><users>
    <user id="1000" cidr="192.0.2.10/32"/>
    <user id="1001"/>
  </users></group></groups></domain>`;

  test('lists, nodes and domain nodes resolved to users with a cidr', async () => {
    const t = await load({
      directory,
      configuration: conf('acl.conf', `<network-lists>
        <list name="LAN" default="allow"><node type="deny" cidr="192.168.42.0/24, 10.1.0.0/16"/><node type="allow" host="192.168.42.42" mask="255.255.255.255"/></list>
        <list name="domains" default="deny"><node type="allow" domain="$\${domain}"/></list>
      </network-lists>`),
    });
    const lan = t.acl.list('lan')!;
    expect(lan.name).toBe('LAN');
    expect(lan.default).toBe('allow');
    expect(lan.nodes.map((n) => [n.type, n.cidrs, n.host, n.mask])).toEqual([
      ['deny', ['192.168.42.0/24', '10.1.0.0/16'], undefined, undefined],
      ['allow', undefined, '192.168.42.42', '255.255.255.255'],
    ]);
    expect(t.acl.list('domains')!.nodes[0].domainUsers).toEqual([{ user: '1000@example.org', cidrs: ['192.0.2.10/32'] }]);
    expect([t.acl.isKnown('lan'), t.acl.isKnown('localnet.auto'), t.acl.isKnown('192.0.2.0/24'), t.acl.isKnown('wan')]).toEqual([true, true, true, false]);
  });

  test('a domain node for a domain not in the directory is a warning, not an error', async () => {
    const t = await load({ configuration: conf('acl.conf', '<network-lists><list name="d"><node type="allow" domain="nowhere.example"/></list></network-lists>') });
    expect(t.warnings.map((w) => w.message)).toEqual(['ACL node refers to domain "nowhere.example", which is not in the directory']);
  });

  test.each([
    ['<list name="x" default="maybe"/>', /default must be allow or deny/],
    ['<list name="x"><node type="allow" cidr="10.0.0.0/40"/></list>', /cidr must be address\/prefix blocks/],
    ['<list name="x"><node type="permit" cidr="10.0.0.0/8"/></list>', /type must be allow or deny/],
    ['<list name="x"><node type="allow"/></list>', /needs cidr=/],
    ['<list name="x"><node type="allow" host="10.0.0.1"/></list>', /also needs mask=/],
    ['<list name="x"/><list name="X"/>', /ACL list "X" is defined twice/],
    ['<list name="loopback.auto"/>', /built-in ACL list/],
  ])('%s is rejected', async (lists, message) => {
    const e = await loadError({ configuration: conf('acl.conf', `<network-lists>${lists}</network-lists>`) });
    expect(e.message).toMatch(message);
  });
});

describe('cdr_csv.conf', () => {
  test('reads settings and templates', async () => {
    const t = await load({
      configuration: conf('cdr_csv.conf', `${settings({ 'default-template': 'example', legs: 'ab', 'rotate-on-hup': 'true', 'log-base': '/var/cdr', 'master-file-only': 'yes' })}
        <templates><template name="example">"\${caller_id_number}","\${uuid}"</template></templates>`),
    });
    const c = t.cdrCsv;
    expect([c.defaultTemplate, c.legs, c.rotateOnHup, c.logBase, c.masterFileOnly]).toEqual(['example', { a: true, b: true }, true, '/var/cdr', true]);
    expect(c.templates.get('example')).toBe('"${caller_id_number}","${uuid}"');
  });

  test.each([
    [settings({ 'default-template': 'nope' }), /default-template "nope" is not defined/],
    [settings({ legs: 'c' }), /legs must be a, b or ab/],
    [settings({ 'rotate-on-hup': 'perhaps' }), /rotate-on-hup must be true or false/],
    ['<templates><template>x</template></templates>', /<template> needs a name/],
  ])('%s is rejected', async (body, message) => {
    const e = await loadError({ configuration: conf('cdr_csv.conf', body) });
    expect(e.message).toMatch(message);
  });
});

describe('configuration(name) and sections', () => {
  test('finds a configuration with or without .conf, first one wins with a warning', async () => {
    const t = await load({ configuration: conf('voicemail.conf', '<settings/>') + conf('Voicemail.conf', '<other/>') });
    expect(t.configuration('voicemail')?.children[0].name).toBe('settings');
    expect(t.configuration('VOICEMAIL.conf')?.children[0].name).toBe('settings');
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0].message).toMatch(/configuration Voicemail\.conf is defined again and ignored/);
  });

  test('dialplan contexts keep every element with a name, in order', async () => {
    const t = await load({ dialplan: '<context name="default"><extension name="a"/></context>\n<context name="public"/>\n<context name="default"><extension name="b"/></context>' });
    expect(t.dialplan.contexts.get('default')!.map((c) => c.children[0].attrs.name)).toEqual(['a', 'b']);
    expect(t.dialplan.context('default')!.children[0].attrs.name).toBe('a');
    expect(t.dialplan.context('public')).toBeDefined();
  });

  test('the root element must be <document>', async () => {
    const dir = await writeTree({ 'freeswitch.xml': '<configs/>\n' });
    await expect(loadConfigTree({ confDir: dir, dataDir: dir })).rejects.toThrow(/freeswitch\.xml:1:1 the root element must be <document/);
  });
});
