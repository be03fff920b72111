import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { loadConfigTree } from '../../../src/config/index.js';
import { cleanup, rootDoc, writeTree } from './conf-fixture.js';

afterEach(cleanup);

const DOMAIN = `<domain name="$\${domain}">
  <params>
    <param name="dial-string" value="{presence_id=\${dialed_user}@\${dialed_domain}}\${sofia_contact(\${dialed_user}@\${dialed_domain})}"/>
    <param name="vm-enabled" value="false"/>
  </params>
  <variables>
    <variable name="user_context" value="public"/>
    <variable name="record_stereo" value="true"/>
  </variables>
  <users>
    <user id="lobby"><params><param name="password" value="lobby"/></params></user>
  </users>
  <groups>
    <group name="default">
      <params><param name="vm-enabled" value="true"/></params>
      <variables><variable name="callgroup" value="staff"/></variables>
      <users>
        <X-PRE-PROCESS cmd="include" data="users/*.xml"/>
      </users>
    </group>
    <group name="sales">
      <users>
        <user id="1000" type="pointer"/>
        <user id="1001" type="pointer"/>
      </users>
    </group>
  </groups>
</domain>`;

const USER_1000 = `<include>
  <user id="1000" number-alias="200" cidr="192.0.2.10/32">
    <params><param name="password" value="$\${default_password}"/></params>
    <variables>
      <variable name="user_context" value="default"/>
      <variable name="Record_Stereo" value="false"/>
    </variables>
  </user>
</include>`;
const USER_1001 = '<include>\n<user id="1001"><params><param name="password" value="x"/><param name="vm-enabled" value="no"/></params></user>\n</include>';

async function load(files: Record<string, string> = {}, directory = DOMAIN) {
  const dir = await writeTree({
    'freeswitch.xml': rootDoc({
      vars: '<X-PRE-PROCESS cmd="set" data="domain=example.org"/>\n<X-PRE-PROCESS cmd="set" data="default_password=1234"/>',
      directory,
    }),
    'users/1000.xml': USER_1000,
    'users/1001.xml': USER_1001,
    ...files,
  });
  return loadConfigTree({ confDir: dir, dataDir: `${dir}/data`, overrides: { local_ip_v4: '192.0.2.1' } });
}

describe('directory', () => {
  test('domains, groups with pointer members, users', async () => {
    const t = await load();
    const d = t.directory.domain('EXAMPLE.org')!;
    expect(d.name).toBe('example.org');
    expect([...d.groups]).toEqual([['default', ['1000', '1001']], ['sales', ['1000', '1001']]]);
    expect([...d.users.values()].map((u) => [u.id, u.group])).toEqual([['lobby', undefined], ['1000', 'default'], ['1001', 'default']]);
    expect(d.users.get('1000')!.pos).toEqual({ file: 'users/1000.xml', line: 2, column: 3 });
    expect(t.directory.defaultDomain).toBe('example.org');
  });

  test('findUser merges domain → group → user, most specific winning', async () => {
    const t = await load();
    const u = t.directory.findUser('1000')!;
    expect(u.id).toBe('1000');
    expect(u.domain).toBe('example.org');
    expect(u.group).toBe('default');
    expect(u.params.get('password')).toBe('1234');
    expect(u.params.get('vm-enabled')).toBe('true'); // group over domain
    expect(u.params.get('dial-string')).toMatch(/^\{presence_id=/); // from the domain
    expect(u.variables.get('user_context')).toBe('default'); // user over domain
    expect(u.variables.get('record_stereo')).toBe('false'); // names compare case-insensitively
    expect(u.variables.get('callgroup')).toBe('staff'); // from the group
    expect(t.directory.findUser('1001')!.params.get('vm-enabled')).toBe('no'); // user over group
  });

  test('a user directly under the domain merges with the domain only', async () => {
    const u = (await load()).directory.findUser('lobby', 'example.org')!;
    expect([u.group, u.params.get('vm-enabled'), u.variables.get('user_context')]).toEqual([undefined, 'false', 'public']);
  });

  test('findUser matches number-alias, and never returns a pointer or an unknown user', async () => {
    const t = await load();
    expect(t.directory.findUser('200')?.id).toBe('1000');
    expect(t.directory.findUser('1000')?.numberAlias).toBe('200');
    expect(t.directory.findUser('1002')).toBeUndefined();
    expect(t.directory.findUser('1000', 'other.example')).toBeUndefined();
  });

  test('users with a cidr are listed for domain ACL nodes', async () => {
    const t = await load();
    expect(t.directory.usersWithCidr('example.org')).toEqual([{ user: '1000@example.org', cidrs: ['192.0.2.10/32'] }]);
    expect(t.directory.usersWithCidr('nope')).toBeUndefined();
  });

  test('the same user id defined twice is a ConfigError naming both places', async () => {
    const e = await load({ 'users/1000-copy.xml': USER_1000 }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toBe('users/1000.xml:2:3 user 1000 is defined twice in domain example.org (first at users/1000-copy.xml:2:3)');
  });

  test.each([
    ['<user number-alias="5"/>', /<user> needs a id="…" attribute/],
    ['<user id="9" cidr="not-a-net"/>', /user 9: cidr must be address\/prefix blocks/],
    ['<user id="9"><params><param name="password"/></params></user>', /<param name="password"> needs a value/],
  ])('%s is rejected', async (user, message) => {
    const e = await load({ 'users/9.xml': user }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toMatch(message);
    expect((e as ConfigError).file).toBe('users/9.xml');
  });

  test('the same domain twice is rejected', async () => {
    const e = await load({}, `${DOMAIN}\n<domain name="Example.org"/>`).catch((err: unknown) => err);
    expect((e as ConfigError).message).toMatch(/domain "Example\.org" is defined twice/);
  });
});
