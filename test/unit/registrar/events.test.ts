import { describe, expect, it } from 'vitest';
import { EventBus, eventHeader } from '../../../src/common/index.js';
import {
  authBanEventHeaders,
  authResultOf,
  expireEventHeaders,
  registerAttemptEventHeaders,
  registerEventHeaders,
  registerFailureEventHeaders,
  SOFIA_REGISTER,
  unregisterEventHeaders,
  type Binding,
  type RegisterRequestInfo,
} from '../../../src/registrar/index.js';

const b: Binding = {
  aor: '1000@192.168.1.10',
  user: '1000',
  domain: '192.168.1.10',
  profile: 'internal',
  contactUri: 'sip:1000@192.168.1.50:5060;transport=udp',
  contactRaw: '"Extension 1000" <sip:1000@192.168.1.50:5060;transport=udp>',
  displayName: 'Extension 1000',
  expiresAt: 1714561201,
  registeredAt: 1714557601,
  callId: '3c2a7b1e-41f0-0010',
  cseq: 2,
  userAgent: 'Grandstream GXP1625 1.0.7.13',
  transport: 'udp',
  sourceIp: '203.0.113.7',
  sourcePort: 40912,
  natted: true,
  authUser: '1000',
  authRealm: '192.168.1.10',
  pingStatus: 'Reachable',
  pingFailures: 0,
};

const names = (h: Array<[string, string]>) => h.map(([n]) => n);

describe('registrar event headers', () => {
  it('sofia::register carries the spec §7.6 headers in FreeSWITCH\'s order', () => {
    const h = registerEventHeaders(b, { profileName: 'internal', expiresSec: 3600, updateReg: true, variables: [['user_context', 'default']] });
    expect(names(h)).toEqual([
      'profile-name', 'from-user', 'from-host', 'presence-hosts', 'contact', 'call-id', 'rpid', 'status', 'expires',
      'to-user', 'to-host', 'network-ip', 'network-port', 'username', 'realm', 'user-agent', 'update-reg', 'user_context',
    ]);
    const m = new Map(h);
    expect(m.get('contact')).toBe('"Extension 1000" <sip:1000@192.168.1.50:5060;transport=udp;fs_nat=yes;fs_path=sip%3A1000%40203.0.113.7%3A40912>');
    expect(m.get('status')).toBe('Registered(UDP-NAT)');
    expect(m.get('presence-hosts')).toBe('n/a');
    expect(m.get('rpid')).toBe('unknown');
    expect(m.get('expires')).toBe('3600');
    expect(m.get('network-port')).toBe('40912');
  });

  it('sofia::register omits update-reg for a new binding', () => {
    expect(names(registerEventHeaders(b, { profileName: 'internal', expiresSec: 60, updateReg: false }))).not.toContain('update-reg');
  });

  it('sofia::unregister and sofia::expire carry the identity headers', () => {
    expect(names(unregisterEventHeaders(b, { profileName: 'internal' }))).toEqual([
      'profile-name', 'username', 'from-user', 'from-host', 'contact', 'call-id', 'rpid', 'realm', 'network-ip', 'network-port', 'user-agent', 'expires',
    ]);
    const e = new Map(expireEventHeaders(b));
    expect(e.get('profile-name')).toBe('internal');
    expect(e.get('user')).toBe('1000');
    expect(e.get('host')).toBe('192.168.1.10');
    expect(e.get('expires')).toBe('1714561201');
  });

  it('sofia::register_attempt and register_failure describe the auth flow', () => {
    const r: RegisterRequestInfo = {
      profileName: 'internal',
      toUser: '1000',
      toHost: '192.168.1.10',
      fromUser: '1000',
      fromHost: '192.168.1.10',
      contact: '<sip:1000@192.168.1.50:5060>',
      callId: 'abc',
      expiresSec: 3600,
      networkIp: '192.168.1.50',
      networkPort: 5060,
      userAgent: 'X',
    };
    const a = registerAttemptEventHeaders(r, { username: '1000', realm: '192.168.1.10', result: 'FORBIDDEN' });
    expect(a.at(-1)).toEqual(['auth-result', 'FORBIDDEN']);
    expect(names(a)).toContain('expires');
    expect(names(registerAttemptEventHeaders({ ...r, contact: undefined }, { username: 'u', realm: 'r', result: 'SUCCESS' }))).not.toContain('expires');
    expect(
      registerFailureEventHeaders({ profileName: 'internal', toUser: '1000', toHost: 'h', networkIp: '1.2.3.4', networkPort: 5060, userAgent: 'X', registrationType: 'INVITE' }),
    ).toEqual([
      ['profile-name', 'internal'],
      ['to-user', '1000'],
      ['to-host', 'h'],
      ['network-ip', '1.2.3.4'],
      ['user-agent', 'X'],
      ['network-port', '5060'],
      ['registration-type', 'INVITE'],
    ]);
  });

  it('publishes through the EventBus as a CUSTOM event with the subclass', () => {
    const bus = new EventBus({ hostname: 'pbx1' });
    const got: string[] = [];
    bus.subscribe((ev) => got.push(`${ev.subclass} ${eventHeader(ev, 'from-user')} ${eventHeader(ev, 'Event-Subclass')}`));
    bus.publish('CUSTOM', registerEventHeaders(b, { profileName: 'internal', expiresSec: 3600, updateReg: false }), { subclass: SOFIA_REGISTER });
    expect(got).toEqual(['sofia::register 1000 sofia::register']);
  });

  it('the ban event says who and for how long', () => {
    expect(authBanEventHeaders({ ip: '198.51.100.7', bannedAtMs: 0, untilMs: 600_000, failures: 10 }, 'internal')).toEqual([
      ['profile-name', 'internal'],
      ['network-ip', '198.51.100.7'],
      ['failures', '10'],
      ['ban-seconds', '600'],
      ['banned-until', '1970-01-01T00:10:00.000Z'],
    ]);
  });

  it('maps auth decisions to FreeSWITCH auth-result values', () => {
    const ch = { status: 401 as const, headerName: 'WWW-Authenticate' as const, headerValues: [] };
    const user = { password: 'x' };
    expect(authResultOf({ kind: 'ok', username: 'u', realm: 'r', algorithm: 'MD5', renewed: false, user })).toBe('SUCCESS');
    expect(authResultOf({ kind: 'ok', username: 'u', realm: 'r', algorithm: 'MD5', renewed: true, user })).toBe('RENEWED');
    expect(authResultOf({ kind: 'stale', cause: 'expired', ...ch })).toBe('STALE');
    expect(authResultOf({ kind: 'challenge', cause: 'malformed', ...ch })).toBe('STALE');
    expect(authResultOf({ kind: 'challenge', cause: 'no-credentials', ...ch })).toBeUndefined();
    expect(authResultOf({ kind: 'forbidden', status: 403, username: 'u', realm: 'r', ban: undefined })).toBe('FORBIDDEN');
    expect(authResultOf({ kind: 'banned', status: 403, untilMs: 0 })).toBeUndefined();
  });
});
