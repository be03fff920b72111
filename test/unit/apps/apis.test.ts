// The API functions for `${api(…)}`: user_data, domain_exists, module_exists, group_call and
// sofia_contact, called directly (one row per argument) and through a call's expansion. The
// directory is the shipped one (domain pbx.test); registrations come from a plain data source.

import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigTree } from '../../../src/config/index.js';
import {
  domainExistsApi, groupCallApi, moduleExistsApi, sofiaContactApi, userDataApi, type RegisteredContact,
} from '../../../src/apps/index.js';
import { DOMAIN, makeHarness, shippedConf, type Harness } from './harness.js';

let tree: ConfigTree;
beforeAll(async () => {
  tree = await shippedConf();
});

let h: Harness | undefined;
afterEach(() => h?.close());

describe('user_data', () => {
  const rows: Array<[string, string]> = [
    [`1000@${DOMAIN} var callgroup`, 'techsupport'],
    [`1000@${DOMAIN} var effective_caller_id_name`, 'Extension 1000'],
    [`1000@${DOMAIN} var EFFECTIVE_CALLER_ID_NAME`, 'Extension 1000'],
    [`1000@${DOMAIN} var default_gateway`, 'example.com'],
    [`1000@${DOMAIN} var record_stereo`, 'true'],
    [`1000@${DOMAIN} param vm-password`, '1000'],
    [`1000@${DOMAIN} param password`, '1234'],
    [`1000@${DOMAIN} param dial-string`, '{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}${sofia_contact(*/${dialed_user}@${dialed_domain})}'],
    [`1000@${DOMAIN} attr id`, '1000'],
    [`1000@${DOMAIN} var no_such_var`, ''],
    [`1000 var callgroup`, 'techsupport'],
    [`9999@${DOMAIN} var callgroup`, ''],
    [`1000@nowhere.example var callgroup`, ''],
    [`1000@${DOMAIN} colour x`, '-ERR Usage: user_data <user>@<domain> [var|param|attr] <name>'],
    [`1000@${DOMAIN} var`, '-ERR Usage: user_data <user>@<domain> [var|param|attr] <name>'],
  ];
  it.each(rows)('user_data %s', (args, out) => {
    expect(userDataApi(() => tree)(args)).toBe(out);
  });
});

describe('domain_exists and module_exists', () => {
  it.each([
    [DOMAIN, 'true'],
    [DOMAIN.toUpperCase(), 'true'],
    ['example.org', 'false'],
    ['', 'false'],
  ])('domain_exists %s → %s', (args, out) => {
    expect(domainExistsApi(() => tree)(args)).toBe(out);
  });

  it.each([
    ['mod_sofia', 'true'],
    ['mod_dptools', 'true'],
    ['mod_commands', 'true'],
    ['mod_dialplan_xml', 'true'],
    ['mod_event_socket', 'true'],
    ['mod_hash', 'true'],
    ['mod_enum', 'false'],
    ['mod_voicemail', 'false'],
    ['', 'false'],
  ])('module_exists %s → %s', (args, out) => {
    expect(moduleExistsApi(args)).toBe(out);
  });
});

describe('group_call', () => {
  it.each([
    [`sales@${DOMAIN}`, `user/1000@${DOMAIN},user/1001@${DOMAIN},user/1002@${DOMAIN},user/1003@${DOMAIN},user/1004@${DOMAIN}`],
    [`billing@${DOMAIN}+F`, `user/1005@${DOMAIN}|user/1006@${DOMAIN}|user/1007@${DOMAIN}|user/1008@${DOMAIN}|user/1009@${DOMAIN}`],
    [`support@${DOMAIN}+E`, `user/1010@${DOMAIN}:_:user/1011@${DOMAIN}:_:user/1012@${DOMAIN}:_:user/1013@${DOMAIN}:_:user/1014@${DOMAIN}`],
    ['sales', `user/1000@${DOMAIN},user/1001@${DOMAIN},user/1002@${DOMAIN},user/1003@${DOMAIN},user/1004@${DOMAIN}`],
    [`nobody@${DOMAIN}`, 'error/NO_ROUTE_DESTINATION'],
    ['sales@elsewhere.example', 'error/NO_ROUTE_DESTINATION'],
  ])('group_call %s', (args, out) => {
    expect(groupCallApi(() => tree)(args)).toBe(out);
  });
});

describe('sofia_contact', () => {
  const contacts: Record<string, RegisteredContact[]> = {
    [`1000@${DOMAIN}`]: [
      { profile: 'internal', contactUri: 'sip:1000@192.168.1.20:5062;transport=udp' },
      { profile: 'internal', contactUri: 'sip:1000@10.0.0.7:5060', reachUri: 'sip:1000@203.0.113.7:41234' },
      { profile: 'external', contactUri: 'sip:1000@198.51.100.1:5080;transport=tcp', reachUri: 'sip:1000@198.51.100.1:5080;transport=tcp' },
    ],
    [`1001@${DOMAIN}`]: [{ profile: 'internal', contactUri: 'sip:1001@10.0.0.8:5060;ob', reachUri: 'sip:1001@203.0.113.8:5061;transport=tls' }],
  };
  const api = sofiaContactApi({ contacts: { contactsOf: (u, d) => contacts[`${u}@${d}`] ?? [] }, defaultDomain: () => DOMAIN });
  const nat = `sofia/internal/sip:1000@10.0.0.7:5060;fs_path=${encodeURIComponent('sip:1000@203.0.113.7:41234')}`;
  it.each([
    [`*/1000@${DOMAIN}`, `sofia/internal/sip:1000@192.168.1.20:5062;transport=udp,${nat},sofia/external/sip:1000@198.51.100.1:5080;transport=tcp`],
    [`internal/1000@${DOMAIN}`, `sofia/internal/sip:1000@192.168.1.20:5062;transport=udp,${nat}`],
    [`External/1000@${DOMAIN}`, 'sofia/external/sip:1000@198.51.100.1:5080;transport=tcp'],
    [`1000@${DOMAIN}`, `sofia/internal/sip:1000@192.168.1.20:5062;transport=udp,${nat},sofia/external/sip:1000@198.51.100.1:5080;transport=tcp`],
    ['1001', 'sofia/internal/sip:1001@10.0.0.8:5060;ob;fs_path=sip%3A1001%40203.0.113.8%3A5061%3Btransport%3Dtls'],
    [`1002@${DOMAIN}`, 'error/user_not_registered'],
    [`nobody/1000@${DOMAIN}`, 'error/user_not_registered'],
    ['', '-ERR Usage: sofia_contact [profile/]<user>@<domain>'],
  ])('sofia_contact %s', (args, out) => {
    expect(api(args)).toBe(out);
  });

  it('puts at most 64 contacts in one dial string', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ profile: 'internal', contactUri: `sip:2000@10.0.${i}.1` }));
    const big = sofiaContactApi({ contacts: { contactsOf: () => many }, defaultDomain: () => DOMAIN });
    expect(big('2000').split(',')).toHaveLength(64);
  });
});

describe('the APIs inside a call', () => {
  it('expand in application data, nested in other expansions', async () => {
    h = await makeHarness();
    h.contacts.set(`1003@${DOMAIN}`, [{ profile: 'internal', contactUri: 'sip:1003@10.1.1.1:5060' }]);
    const list = [
      'set:cg=${user_data(1000@${domain_name} var callgroup)}',
      'set:dom=${domain_exists(${domain_name})}',
      'set:enum=${module_exists(mod_enum)}',
      'set:where=${sofia_contact(*/1003@${domain_name})}',
      'set:nowhere=${sofia_contact(1004@${domain_name})}',
      "set:big=${cond(${user_data(1000@${domain_name} param vm-password)} > 999 ? yes : no)}",
      'set:grp=${group_call(sales@${domain_name}+F)}',
    ].join('^');
    const { channel, done } = h.ep.call(h.core, { dest: `m:^:${list}`, dialplan: 'inline', variables: { domain_name: DOMAIN } });
    await done;
    expect(channel.getVariable('cg')).toBe('techsupport');
    expect(channel.getVariable('dom')).toBe('true');
    expect(channel.getVariable('enum')).toBe('false');
    expect(channel.getVariable('where')).toBe('sofia/internal/sip:1003@10.1.1.1:5060');
    expect(channel.getVariable('nowhere')).toBe('error/user_not_registered');
    expect(channel.getVariable('big')).toBe('yes');
    expect(channel.getVariable('grp')!.split('|')).toHaveLength(5);
  });
});
