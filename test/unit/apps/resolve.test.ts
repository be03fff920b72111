// Dial strings resolved into what the core dials: failover groups of simultaneous legs with
// their variables, user/ and group/ through the shipped directory and the registrations,
// error/ and bad input. One row per dial string.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OriginatePlan } from '../../../src/b2bua/index.js';
import { resolveDialString } from '../../../src/apps/index.js';
import { DOMAIN, makeHarness, register, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await makeHarness();
  register(h, '1000', 2);
  register(h, '1001');
  h.contacts.set(`1002@${DOMAIN}`, [{ profile: 'internal', contactUri: 'sip:1002@10.0.0.2:5060', reachUri: 'sip:1002@203.0.113.2:4000;transport=tcp' }]);
});
afterAll(() => h.close());

/** Legs as `tech/target`, groups joined by `|`, legs by `,`. */
const shape = (plan: OriginatePlan) => plan.groups.map((g) => g.map((l) => `${l.technology}/${l.target}`).join(',')).join('|');

describe('resolveDialString', () => {
  const rows: Array<{ dial: string; shape: string; vars?: Array<[leg: number, name: string, value: string | undefined]> }> = [
    { dial: 'test/a', shape: 'test/a' },
    { dial: 'test/a,test/b|test/c', shape: 'test/a,test/b|test/c' },
    { dial: '{x=1,y=2}test/a,[y=3]test/b', shape: 'test/a,test/b', vars: [[0, 'x', '1'], [0, 'y', '2'], [1, 'x', '1'], [1, 'y', '3']] },
    { dial: "{note='a,b'}test/a", shape: 'test/a', vars: [[0, 'note', 'a,b']] },
    { dial: '{^^:a=1:b=2}test/a', shape: 'test/a', vars: [[0, 'a', '1'], [0, 'b', '2']] },
    { dial: 'error/USER_BUSY', shape: 'error/USER_BUSY' },
    { dial: 'sofia/internal/sip:1000@10.0.0.1:5062', shape: 'sofia/internal/sip:1000@10.0.0.1:5062' },
    { dial: 'sofia/gateway/example.com/5551212', shape: 'sofia/gateway/example.com/5551212' },
    {
      dial: `user/1000@${DOMAIN}`,
      shape: 'sofia/internal/sip:1000@127.0.0.1:5070,sofia/internal/sip:1000@127.0.0.1:5071',
      vars: [[0, 'dialed_user', '1000'], [1, 'dialed_domain', DOMAIN], [0, 'sip_invite_domain', DOMAIN], [0, 'presence_id', `1000@${DOMAIN}`], [0, 'callgroup', 'techsupport'], [0, 'user_context', 'default']],
    },
    { dial: `[leg_timeout=5]user/1001@${DOMAIN}`, shape: 'sofia/internal/sip:1001@127.0.0.1:5070', vars: [[0, 'leg_timeout', '5']] },
    { dial: `user/1002@${DOMAIN}`, shape: `sofia/internal/sip:1002@10.0.0.2:5060;fs_path=${encodeURIComponent('sip:1002@203.0.113.2:4000;transport=tcp')}` },
    { dial: `user/1003@${DOMAIN}`, shape: 'error/USER_NOT_REGISTERED' },
    { dial: `user/7777@${DOMAIN}`, shape: 'error/SUBSCRIBER_ABSENT' },
    { dial: `user/1000@elsewhere.example`, shape: 'error/SUBSCRIBER_ABSENT' },
    { dial: `user/1001@${DOMAIN}|user/1003@${DOMAIN}`, shape: 'sofia/internal/sip:1001@127.0.0.1:5070|error/USER_NOT_REGISTERED' },
    { dial: `group/sales@${DOMAIN}`, shape: 'sofia/internal/sip:1000@127.0.0.1:5070,sofia/internal/sip:1000@127.0.0.1:5071,sofia/internal/sip:1001@127.0.0.1:5070,sofia/internal/sip:1002@10.0.0.2:5060;fs_path=sip%3A1002%40203.0.113.2%3A4000%3Btransport%3Dtcp,error/USER_NOT_REGISTERED,error/USER_NOT_REGISTERED' },
    { dial: `group/nobody@${DOMAIN}`, shape: 'error/NO_ROUTE_DESTINATION' },
    { dial: `\${sofia_contact(1001@${DOMAIN})},test/z`, shape: 'sofia/internal/sip:1001@127.0.0.1:5070,test/z' },
    { dial: `\${group_call(billing@${DOMAIN}+F)}`, shape: 'error/USER_NOT_REGISTERED|error/USER_NOT_REGISTERED|error/USER_NOT_REGISTERED|error/USER_NOT_REGISTERED|error/USER_NOT_REGISTERED' },
    { dial: 'loopback/1000', shape: 'error/CHAN_NOT_IMPLEMENTED' },
  ];
  it.each(rows)('$dial', (row) => {
    const plan = resolveDialString(row.dial, { core: h.core, config: () => h.tree, channel: undefined });
    if ('error' in plan) throw new Error(plan.error);
    expect(shape(plan)).toBe(row.shape);
    const legs = plan.groups.flat();
    for (const [i, name, value] of row.vars ?? []) expect(legs[i]!.variables[name], `${i}:${name}`).toBe(value);
  });

  it.each(['', '{a=1}', 'test', 'test/a,,test/b', '[a=1', 'test/a|{b=1}test/b'])('refuses %j with INVALID_URL', (dial) => {
    const plan = resolveDialString(dial, { core: h.core, config: () => h.tree, channel: undefined });
    expect(plan).toMatchObject({ cause: 'INVALID_URL' });
  });
});
