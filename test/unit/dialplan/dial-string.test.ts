// Dial-string parsing (spec §4.3): every example of the spec, the vanilla user dial-string,
// quoting, nesting and malformed input.

import { describe, expect, it } from 'vitest';
import { DialStringError, parseDialString, variablesToRecord, type DialString, type Endpoint } from '../../../src/dialplan/index.js';

/** The endpoints of an ordinary (non-enterprise) dial string, group by group. */
function endpoints(ds: DialString): Endpoint[][] {
  expect(ds.originates).toHaveLength(1);
  return ds.originates[0]!.groups.map((g) => g.legs.map((l) => l.endpoint));
}

describe('endpoints', () => {
  it.each<[string, Endpoint]>([
    ['user/1000', { kind: 'user', user: '1000', domain: undefined }],
    ['user/1000@example.com', { kind: 'user', user: '1000', domain: 'example.com' }],
    ['sofia/internal/sip:1000@10.0.0.5:5060', { kind: 'sofia', profile: 'internal', target: 'sip:1000@10.0.0.5:5060' }],
    ['sofia/internal/1000@10.0.0.5', { kind: 'sofia', profile: 'internal', target: '1000@10.0.0.5' }],
    ['sofia/internal/1000%example.com', { kind: 'sofia', profile: 'internal', target: '1000%example.com' }],
    ['sofia/gateway/example.com/15551212', { kind: 'gateway', gateway: 'example.com', number: '15551212' }],
    ['loopback/wait', { kind: 'loopback', exten: 'wait', context: undefined, dialplan: undefined }],
    ['loopback/9664/default/XML', { kind: 'loopback', exten: '9664', context: 'default', dialplan: 'XML' }],
    ['loopback/app=voicemail:default example.com 1000', { kind: 'loopback-app', app: 'voicemail', args: 'default example.com 1000' }],
    ['loopback/app=echo', { kind: 'loopback-app', app: 'echo', args: '' }],
    ['group/support@example.com', { kind: 'group', group: 'support', domain: 'example.com' }],
    ['pickup/sales', { kind: 'pickup', key: 'sales' }],
    ['error/user_not_registered', { kind: 'error', cause: 'USER_NOT_REGISTERED', causeText: 'user_not_registered' }],
    ['error/17', { kind: 'error', cause: 'USER_BUSY', causeText: '17' }],
    ['error/not_a_cause', { kind: 'error', cause: 'NORMAL_CLEARING', causeText: 'not_a_cause' }],
    ['${sofia_contact(*/1000@example.com)}', { kind: 'expression', text: '${sofia_contact(*/1000@example.com)}' }],
    ['freetdm/1/a/5551212', { kind: 'other', tech: 'freetdm', destination: '1/a/5551212' }],
  ])('%s', (input, endpoint) => {
    expect(endpoints(parseDialString(input))).toEqual([[endpoint]]);
  });
});

describe('structure', () => {
  it('rings comma-separated legs together (user/1000,pickup/sales)', () => {
    const ds = parseDialString('user/1000,pickup/sales');
    expect(endpoints(ds)).toEqual([[{ kind: 'user', user: '1000', domain: undefined }, { kind: 'pickup', key: 'sales' }]]);
  });

  it('tries |-separated groups in order', () => {
    const ds = parseDialString('user/1000,user/1001|sofia/gateway/gw/5551212');
    expect(ds.originates[0]!.groups.map((g) => g.legs.map((l) => l.target))).toEqual([['user/1000', 'user/1001'], ['sofia/gateway/gw/5551212']]);
  });

  it('reads {…} variables for all legs (vanilla call-group-simo)', () => {
    const ds = parseDialString('{leg_timeout=15,ignore_early_media=true}${group(call:01@example.com)}');
    expect(variablesToRecord(ds.originates[0]!.vars)).toEqual({ leg_timeout: '15', ignore_early_media: 'true' });
    expect(endpoints(ds)).toEqual([[{ kind: 'expression', text: '${group(call:01@example.com)}' }]]);
  });

  it('reads several {…} blocks one after the other', () => {
    const ds = parseDialString('{a=1}{b=2,a=3}user/1000');
    expect(ds.originates[0]!.vars).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '2' },
      { name: 'a', value: '3' },
    ]);
    expect(variablesToRecord(ds.originates[0]!.vars)).toEqual({ a: '3', b: '2' });
  });

  it('reads […] variables for one leg only', () => {
    const ds = parseDialString("{ignore_early_media=true}[leg_timeout=10]user/1000,[leg_timeout=20,x='a,b']user/1001");
    const legs = ds.originates[0]!.groups[0]!.legs;
    expect(legs.map((l) => variablesToRecord(l.vars))).toEqual([{ leg_timeout: '10' }, { leg_timeout: '20', x: 'a,b' }]);
    expect(legs.map((l) => l.target)).toEqual(['user/1000', 'user/1001']);
  });

  it('uses the ^^<c> separator inside a block', () => {
    const ds = parseDialString('{^^:a=1:b=x,y}user/1000');
    expect(variablesToRecord(ds.originates[0]!.vars)).toEqual({ a: '1', b: 'x,y' });
  });

  it('keeps a single-quoted value holding commas and braces whole', () => {
    const ds = parseDialString("{execute_on_answer='bind_meta_app 2 a s1 transfer::intercept:${uuid} inline'}user/1000");
    expect(variablesToRecord(ds.originates[0]!.vars)).toEqual({ execute_on_answer: 'bind_meta_app 2 a s1 transfer::intercept:${uuid} inline' });
  });

  it('does not split inside ${…} in a value', () => {
    const ds = parseDialString('{a=${foo(1,2)},b=${dialed_extension:2}}user/1000');
    expect(variablesToRecord(ds.originates[0]!.vars)).toEqual({ a: '${foo(1,2)}', b: '${dialed_extension:2}' });
  });

  it('parses the vanilla user dial-string', () => {
    const ds = parseDialString(
      '{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}${sofia_contact(*/${dialed_user}@${dialed_domain})}',
    );
    expect(ds.originates[0]!.vars).toEqual([
      { name: 'sip_invite_domain', value: '${dialed_domain}' },
      { name: 'presence_id', value: '${dialed_user}@${dialed_domain}' },
    ]);
    expect(endpoints(ds)).toEqual([[{ kind: 'expression', text: '${sofia_contact(*/${dialed_user}@${dialed_domain})}' }]]);
  });

  it('parses what sofia_contact expands to: every registered device rung together', () => {
    const ds = parseDialString(
      '{^^:sip_invite_domain=example.com:presence_id=1000@example.com}sofia/internal/sip:1000@10.0.0.5:5060;transport=udp,sofia/internal/sip:1000@10.0.0.6:5062',
    );
    expect(endpoints(ds)).toEqual([
      [
        { kind: 'sofia', profile: 'internal', target: 'sip:1000@10.0.0.5:5060;transport=udp' },
        { kind: 'sofia', profile: 'internal', target: 'sip:1000@10.0.0.6:5062' },
      ],
    ]);
  });

  it('reads an enterprise dial string with <…> variables for every leg', () => {
    const ds = parseDialString('<ignore_early_media=true>{a=1}user/1000:_:{b=2}user/1001|user/1002');
    expect(variablesToRecord(ds.vars)).toEqual({ ignore_early_media: 'true' });
    expect(ds.originates.map((o) => variablesToRecord(o.vars))).toEqual([{ a: '1' }, { b: '2' }]);
    expect(ds.originates[1]!.groups.map((g) => g.legs.map((l) => l.target))).toEqual([['user/1001'], ['user/1002']]);
  });

  it('ignores variables without =, as FS does', () => {
    const ds = parseDialString('{novalue,a=1}user/1000');
    expect(ds.originates[0]!.vars).toEqual([{ name: 'a', value: '1' }]);
  });

  it('tolerates a trailing comma and surrounding spaces', () => {
    const ds = parseDialString('  user/1000 , user/1001, ');
    expect(ds.originates[0]!.groups[0]!.legs.map((l) => l.target)).toEqual(['user/1000', 'user/1001']);
  });
});

describe('malformed dial strings', () => {
  it.each([
    ['an empty string', '', /empty dial string/],
    ['unbalanced braces', '{a=1user/1000', /unbalanced \{…\}/],
    ['unbalanced brackets', '[a=1user/1000', /unbalanced \[…\]/],
    ['unbalanced angle brackets', '<a=1user/1000', /unbalanced <…>/],
    ['no tech/', 'nouser', /is not tech\/destination/],
    ['an empty user', 'user/', /needs a user id/],
    ['a gateway without a number', 'sofia/gateway/mygw', /needs a gateway and a number/],
    ['a sofia leg without a destination', 'sofia/internal', /needs a profile and a destination/],
    ['an empty leg between commas', 'user/1000,,user/1001', /empty destination/],
    ['variables only', '{a=1}', /no destination/],
    ['{…} in front of a later leg', 'user/1000,{a=1}user/1001', /only allowed at the start/],
    ['an empty enterprise part', 'user/1000:_:', /empty enterprise originate/],
  ])('rejects %s', (_name, input, message) => {
    let error: unknown;
    try {
      parseDialString(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DialStringError);
    expect((error as DialStringError).message).toMatch(message);
    expect((error as DialStringError).hangupCause).toBe('INVALID_URL');
    expect((error as DialStringError).code).toBe('ERR_DIAL_STRING');
  });

  it('refuses more legs than the limit', () => {
    const many = Array.from({ length: 300 }, (_, i) => `user/${i}`).join(',');
    expect(() => parseDialString(many)).toThrow(/more than 256 legs/);
  });
});
