import { afterAll, describe, expect, it } from 'vitest';
import { AclEvaluator, loadConfigTree } from '../../../src/config/index.js';
import { cleanup, rootDoc, writeTree } from './conf-fixture.js';

afterAll(cleanup);

const INTERFACES = {
  eth0: [{ address: '192.168.1.10', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:01', internal: false, cidr: '192.168.1.10/24' }],
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
} as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;

async function evaluator(lists: string, directory = ''): Promise<AclEvaluator> {
  const dir = await writeTree({
    'freeswitch.xml': rootDoc({
      configuration: `<configuration name="acl.conf"><network-lists>${lists}</network-lists></configuration>`,
      directory,
    }),
  });
  const tree = await loadConfigTree({ confDir: dir, dataDir: dir });
  return new AclEvaluator(tree.acl, INTERFACES);
}

describe('ACL evaluation', () => {
  it('lets the most specific node decide and falls back to the list default', async () => {
    const acl = await evaluator('<list name="lan" default="allow"><node type="deny" cidr="192.168.42.0/24"/><node type="allow" cidr="192.168.42.42/32"/></list>');
    expect(acl.check('lan', '10.1.2.3').allowed).toBe(true);
    expect(acl.check('lan', '192.168.42.7').allowed).toBe(false);
    expect(acl.check('lan', '192.168.42.42').allowed).toBe(true);
    expect(acl.check('lan', '::ffff:192.168.42.7').allowed).toBe(false);
  });

  it('knows the built-in lists and literal CIDRs, and denies unknown names', async () => {
    const acl = await evaluator('');
    expect(acl.check('loopback.auto', '127.0.0.1').allowed).toBe(true);
    expect(acl.check('loopback.auto', '::1').allowed).toBe(true);
    expect(acl.check('loopback.auto', '10.0.0.1').allowed).toBe(false);
    expect(acl.check('localnet.auto', '192.168.1.77').allowed).toBe(true);
    expect(acl.check('localnet.auto', '192.168.2.77').allowed).toBe(false);
    expect(acl.check('nat.auto', '10.9.9.9').allowed).toBe(true);
    expect(acl.check('nat.auto', '192.168.1.77').allowed).toBe(false); // our own LAN is not NAT
    expect(acl.check('wan.auto', '203.0.113.5').allowed).toBe(true);
    expect(acl.check('wan.auto', '10.0.0.1').allowed).toBe(false);
    expect(acl.check('198.51.100.0/24', '198.51.100.9').allowed).toBe(true);
    expect(acl.check('2001:db8::/32', '2001:db8::1').allowed).toBe(true);
    expect(acl.check('nosuchlist', '127.0.0.1').allowed).toBe(false);
    expect(acl.check('lan', 'not-an-ip').allowed).toBe(false);
  });

  it('matches host/mask nodes and reports the user of a domain node', async () => {
    const directory = `<domain name="example.com"><groups><group name="default"><users>
      <user id="1005" cidr="10.5.0.0/16"><params><param name="password" value="x"/></params></user>
    </users></group></groups></domain>`;
    const acl = await evaluator('<list name="office" default="deny"><node type="allow" host="172.16.0.0" mask="255.240.0.0"/></list><list name="domains" default="deny"><node type="allow" domain="example.com"/></list>', directory);
    expect(acl.check('office', '172.20.1.1').allowed).toBe(true);
    expect(acl.check('office', '172.32.1.1').allowed).toBe(false);
    expect(acl.check('domains', '10.5.3.3')).toEqual({ allowed: true, user: '1005@example.com' });
    expect(acl.check('domains', '10.6.3.3')).toEqual({ allowed: false });
  });
});
