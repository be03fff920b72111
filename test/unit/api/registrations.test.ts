// Registrations on the console: the `reg` block of `sofia status profile <p> reg` byte for byte
// (spec §6.6), `… user <user@host>`, `show registrations` rows (spec §6.3) and flush_inbound_reg.
import { describe, expect, it } from 'vitest';
import { ApiRegistry, formatRegBlock, registrationsShowSource, registrationsText, SiptraceControl, sofiaCommand, type RegistrationView } from '../../../src/api/index.js';
import { LogTap as CommonLogTap } from '../../../src/common/index.js';
import type { StoredBinding } from '../../../src/registrar/index.js';
import { strftime } from '../../../src/api/commands/strftime.js';

const LINE = '='.repeat(97);
const NOW = 1_714_564_801;

function binding(patch: Partial<StoredBinding> = {}): StoredBinding {
  return {
    key: 'uri:sip:1000@192.168.1.50:5060', aor: '1000@192.168.1.10', user: '1000', domain: '192.168.1.10', profile: 'internal',
    contactUri: 'sip:1000@192.168.1.50:5060;transport=udp', contactRaw: '"Extension 1000" <sip:1000@192.168.1.50:5060;transport=udp>',
    displayName: 'Extension 1000', expiresAt: NOW + 3542, registeredAt: NOW - 58, callId: '3c2a7b1e-41f0-0010', cseq: 2,
    userAgent: 'Grandstream GXP1625 1.0.7.13', transport: 'udp', sourceIp: '203.0.113.7', sourcePort: 40912, natted: true,
    authUser: '1000', authRealm: '192.168.1.10', pingStatus: 'Reachable', pingFailures: 0, ...patch,
  };
}

describe('formatRegBlock', () => {
  it('prints FreeSWITCH\'s layout exactly, NAT path and expiry included', () => {
    const exp = strftime('%Y-%m-%d %T', new Date((NOW + 3542) * 1000));
    expect(formatRegBlock([binding()], { hostname: 'pbx1', nowSec: NOW })).toBe(
      `\nRegistrations:\n${LINE}\n` +
        'Call-ID:    \t3c2a7b1e-41f0-0010\n' +
        'User:       \t1000@192.168.1.10\n' +
        'Contact:    \t"Extension 1000" <sip:1000@192.168.1.50:5060;transport=udp;fs_nat=yes;fs_path=sip%3A1000%40203.0.113.7%3A40912>\n' +
        'Agent:      \tGrandstream GXP1625 1.0.7.13\n' +
        `Status:     \tRegistered(UDP-NAT)(unknown) EXP(${exp}) EXPSECS(3542)\n` +
        'Ping-Status:\tReachable\n' +
        'Ping-Time:\t0.00\n' +
        'Host:       \tpbx1\n' +
        'IP:         \t203.0.113.7\n' +
        'Port:       \t40912\n' +
        'Auth-User:  \t1000\n' +
        'Auth-Realm: \t192.168.1.10\n' +
        'MWI-Account:\t1000@192.168.1.10\n' +
        '\n' +
        `Total items returned: 1\n${LINE}\n`,
    );
  });

  it('prints an empty block as FreeSWITCH does, and the ping time with two decimals', () => {
    expect(formatRegBlock([], { hostname: 'h', nowSec: NOW })).toBe(`\nRegistrations:\n${LINE}\nTotal items returned: 0\n${LINE}\n`);
    expect(formatRegBlock([binding({ natted: false, transport: 'tcp' })], { hostname: 'h', nowSec: NOW, pingTimeMs: () => 12.345 })).toContain(
      'Status:     \tRegistered(TCP)(unknown)',
    );
    expect(formatRegBlock([binding()], { hostname: 'h', nowSec: NOW, pingTimeMs: () => 12.345 })).toContain('Ping-Time:\t12.35\n');
  });
});

function view(bindings: StoredBinding[]): RegistrationView & { filters: unknown[]; flushed: Array<string | undefined> } {
  const filters: unknown[] = [];
  const flushed: Array<string | undefined> = [];
  return {
    profileName: 'internal',
    filters,
    flushed,
    async bindings(filter) {
      filters.push(filter);
      return bindings.filter(
        (b) =>
          (filter?.contains === undefined || b.contactRaw.includes(filter.contains)) &&
          (filter?.user === undefined || b.user === filter.user) &&
          (filter?.domain === undefined || b.domain === filter.domain),
      );
    },
    async count() {
      return bindings.length;
    },
    pingTimeMs: () => undefined,
    async flush(what) {
      flushed.push(what);
      return 1;
    },
  };
}

describe('sofia status profile … reg|user and flush_inbound_reg', () => {
  const v = view([binding(), binding({ user: '1001', aor: '1001@192.168.1.10', contactRaw: '<sip:1001@192.168.1.51>', callId: 'x' })]);
  const api = new ApiRegistry();
  const profiles = [{ name: 'internal' }] as never;
  api.register(
    'sofia',
    sofiaCommand(
      {
        profiles: () => profiles,
        aliases: () => [],
        logTap: new CommonLogTap(),
        registrationCount: () => v.count(),
        registrations: (_p, sub, arg) => registrationsText(v, sub, arg, { hostname: 'pbx1', nowSec: NOW }),
        flushRegistrations: (_p, what) => v.flush(what),
      },
      new SiptraceControl(new CommonLogTap()),
    ),
  );

  it('filters reg by a contact substring', async () => {
    const out = await api.execute('sofia status profile internal reg 1001@');
    expect(out).toContain('Total items returned: 1\n');
    expect(out).toContain('User:       \t1001@192.168.1.10\n');
  });

  it('filters user by user@host, and prints nothing for user without an argument', async () => {
    expect(await api.execute('sofia status profile internal user 1000@192.168.1.10')).toContain('Total items returned: 1\n');
    expect(await api.execute('sofia status profile internal user')).toBe('');
  });

  it('answers flush_inbound_reg with FreeSWITCH\'s texts', async () => {
    expect(await api.execute('sofia profile internal flush_inbound_reg')).toBe('+OK flushing all registrations\n');
    expect(await api.execute('sofia profile internal flush_inbound_reg 1000@192.168.1.10')).toBe('+OK flushing all registrations matching specified user@host\n');
    expect(await api.execute('sofia profile internal flush_inbound_reg abc-123')).toBe('+OK flushing all registrations matching specified call_id\n');
    expect(v.flushed).toEqual([undefined, '1000@192.168.1.10', 'abc-123']);
  });
});

describe('show registrations rows', () => {
  it('has FreeSWITCH\'s columns and a sofia/<profile>/<contact> url with the NAT path', async () => {
    const src = registrationsShowSource(() => [view([binding()])], () => 'pbx1');
    expect(src.columns).toEqual(['reg_user', 'realm', 'token', 'url', 'expires', 'network_ip', 'network_port', 'network_proto', 'hostname', 'metadata']);
    expect(await src.rows()).toEqual([
      [
        '1000', '192.168.1.10', '3c2a7b1e-41f0-0010',
        'sofia/internal/sip:1000@192.168.1.50:5060;transport=udp;fs_nat=yes;fs_path=sip%3A1000%40203.0.113.7%3A40912',
        String(NOW + 3542), '203.0.113.7', '40912', 'udp', 'pbx1', '',
      ],
    ]);
    expect(await src.count!()).toBe(1);
  });
});
