// Loads the conf/ tree we ship, as `softswitch start --var …` would, and checks the values the
// spec and the issue ask for. The shipped files are read, never written.

import { describe, expect, test } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigStore } from '../../../src/config/index.js';

const CONF = resolve(import.meta.dirname, '../../../conf');

async function loadShipped(overrides: Record<string, string>) {
  const data = await mkdtemp(join(tmpdir(), 'softswitch-data-'));
  try {
    const store = await ConfigStore.load({ confDir: CONF, dataDir: data, overrides });
    return store.current;
  } finally {
    await rm(data, { recursive: true, force: true });
  }
}

describe('the shipped conf/', () => {
  test('loads with port overrides and exposes the vanilla values', async () => {
    const t = await loadShipped({ local_ip_v4: '127.0.0.1', internal_sip_port: '25060', external_sip_port: '25080', event_socket_port: '28021', rtp_start_port: '40000', rtp_end_port: '40100' });
    expect(t.warnings).toEqual([]);

    const internal = t.sipProfile('internal')!;
    expect([internal.sipIp, internal.rtpIp, internal.sipPort, internal.context]).toEqual(['127.0.0.1', '127.0.0.1', 25060, 'public']);
    expect([internal.bool('auth-calls'), internal.param('challenge-realm'), internal.param('force-register-domain')]).toEqual([true, 'auto_from', '127.0.0.1']);
    expect([internal.bool('inbound-reg-force-matching-username'), internal.int('nonce-ttl'), internal.multipleRegistrations]).toEqual([true, 60, 'contact']);
    expect([internal.param('apply-inbound-acl'), internal.param('local-network-acl'), internal.param('hold-music')]).toEqual(['domains', 'localnet.auto', 'local_stream://moh']);
    expect([internal.int('rtp-timeout-sec'), internal.int('rtp-hold-timeout-sec'), internal.int('rfc2833-pt')]).toEqual([300, 1800, 101]);
    expect(internal.param('inbound-codec-prefs')).toBe('OPUS,G722,PCMU,PCMA,H264,VP8');
    expect([internal.extSipIp, internal.extRtpIp]).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(internal.gateways).toEqual([]);

    const external = t.sipProfile('external')!;
    expect([external.sipPort, external.bool('auth-calls'), external.context]).toEqual([25080, false, 'public']);
    const example = external.gateway('example.com')!;
    expect([example.register, example.username, example.fromDomain, example.extension]).toEqual([false, 'joeuser', 'example.com', '5000']);

    expect([t.eventSocket.listenIp, t.eventSocket.listenPort, t.eventSocket.password]).toEqual(['127.0.0.1', 28021, 'ClueCon']);
    expect([t.switchConf.rtpStartPort, t.switchConf.rtpEndPort]).toEqual([40000, 40100]);
    expect(t.cdrCsv.defaultTemplate).toBe('example');
    expect(t.cdrCsv.templates.get('example')!.split(',')).toHaveLength(15);
    expect([t.cdrCsv.legs, t.cdrCsv.rotateOnHup]).toEqual([{ a: true, b: false }, true]);
    expect(t.acl.list('domains')!.nodes[0].domain).toBe('127.0.0.1');
    expect(t.acl.list('lan')).toBeDefined();
    expect([...t.dialplan.contexts.keys()].sort()).toEqual(['default', 'features', 'public']);
    expect(t.modules).toContain('mod_sofia');
  });

  test('ships users 1000-1019 with the vanilla values and no passwordless user', async () => {
    const t = await loadShipped({ local_ip_v4: '127.0.0.1', domain: 'pbx.test', default_password: 's3cret' });
    const d = t.directory.domain()!;
    expect(d.name).toBe('pbx.test');
    expect(d.users.size).toBe(20);
    expect([...d.users.keys()]).toEqual(Array.from({ length: 20 }, (_, i) => String(1000 + i)));
    expect(d.users.has('default')).toBe(false);
    expect(d.groups.get('sales')).toEqual(['1000', '1001', '1002', '1003', '1004']);
    expect(d.groups.get('billing')).toEqual(['1005', '1006', '1007', '1008', '1009']);
    expect(d.groups.get('support')).toEqual(['1010', '1011', '1012', '1013', '1014']);
    expect(d.groups.get('default')).toHaveLength(20);
    for (let n = 1000; n <= 1019; n++) {
      const u = t.directory.findUser(String(n), 'pbx.test')!;
      expect(u.params.get('password')).toBe('s3cret');
      expect(u.params.get('vm-password')).toBe(String(n));
      expect(u.params.get('dial-string')).toBe(
        '{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}${sofia_contact(*/${dialed_user}@${dialed_domain})}',
      );
      expect(u.variables.toJSON()).toEqual({
        record_stereo: 'true',
        default_gateway: 'example.com',
        default_areacode: '918',
        transfer_fallback_extension: 'operator',
        toll_allow: 'domestic,international,local',
        accountcode: String(n),
        user_context: 'default',
        effective_caller_id_name: `Extension ${n}`,
        effective_caller_id_number: String(n),
        outbound_caller_id_name: 'FreeSWITCH',
        outbound_caller_id_number: '0000000000',
        callgroup: 'techsupport',
      });
    }
  });

  test('every address and port comes from a variable in vars.xml', async () => {
    const t = await loadShipped({ local_ip_v4: '127.0.0.1' });
    const expected: Record<string, string> = {
      domain: '127.0.0.1', domain_name: '127.0.0.1', default_password: '1234', internal_sip_port: '5060', external_sip_port: '5080',
      internal_auth_calls: 'true', external_auth_calls: 'false', rtp_start_port: '16384', rtp_end_port: '32768',
      event_socket_ip: '127.0.0.1', event_socket_port: '8021', event_socket_password: 'ClueCon', hold_music: 'local_stream://moh',
      global_codec_prefs: 'OPUS,G722,PCMU,PCMA,H264,VP8', outbound_codec_prefs: 'OPUS,G722,PCMU,PCMA,H264,VP8', unroll_loops: 'true',
      outbound_caller_name: 'FreeSWITCH', outbound_caller_id: '0000000000', console_loglevel: 'info', call_debug: 'false',
      default_areacode: '918', default_country: 'US', 'us-ring': '%(2000,4000,440,480)', 'uk-ring': '%(400,200,400,450);%(400,2000,400,450)',
      default_provider: 'example.com', default_provider_register: 'false', external_rtp_ip: '127.0.0.1', external_sip_ip: '127.0.0.1',
    };
    for (const [name, value] of Object.entries(expected)) expect([name, t.getGlobal(name)]).toEqual([name, value]);
    expect([t.sipProfile('internal')!.sipPort, t.sipProfile('external')!.sipPort, t.eventSocket.listenPort]).toEqual([5060, 5080, 8021]);
  });
});
