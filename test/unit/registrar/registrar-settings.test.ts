// The registrar's settings as read from a profile's params, FreeSWITCH's names and ours.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigTree } from '../../../src/config/index.js';
import { DEFAULT_REGISTRAR_SETTINGS, registrarSettings } from '../../../src/registrar/index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function profile(params: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'reg-settings-'));
  dirs.push(dir);
  const settings = Object.entries(params).map(([k, v]) => `<param name="${k}" value="${v}"/>`).join('\n');
  await writeFile(join(dir, 'freeswitch.xml'), `<?xml version="1.0"?>
<document type="freeswitch/xml">
  <section name="configuration">
    <configuration name="sofia.conf">
      <profiles>
        <profile name="internal">
          <settings>
            <param name="sip-ip" value="127.0.0.1"/>
            ${settings}
          </settings>
        </profile>
      </profiles>
    </configuration>
  </section>
</document>
`);
  const tree = await loadConfigTree({ confDir: dir, dataDir: dir });
  return tree.sipProfile('internal')!;
}

describe('registrarSettings', () => {
  it('applies the defaults to a profile that sets nothing', async () => {
    expect(registrarSettings(await profile({}))).toEqual({ ...DEFAULT_REGISTRAR_SETTINGS, profileName: 'internal' });
  });

  it('reads FreeSWITCH\'s params and ours', async () => {
    const s = registrarSettings(
      await profile({
        'force-register-domain': 'pbx.example', 'force-register-db-domain': 'pbx.example', 'challenge-realm': 'auto_from',
        'inbound-reg-force-matching-username': 'true', 'nonce-ttl': '30', 'multiple-registrations': 'contact',
        'accept-blind-reg': 'yes', 'disable-register': 'false', 'apply-register-acl': 'loopback.auto', 'apply-nat-acl': 'nat.auto',
        'local-network-acl': 'localnet.auto', 'aggressive-nat-detection': 'true', 'nat-options-ping': 'true', 'all-reg-options-ping': 'false',
        'ping-mean-interval': '20', 'ping-max-failures': '4', 'unregister-on-options-fail': 'false', 'register-min-expires': '90',
        'register-max-expires': '7200', 'register-default-expires': '1800', 'sip-expires-late-margin': '30',
        'max-registrations-per-extension': '3', 'auth-fail-ban-count': '0', 'nat-contact-mismatch': 'false', 'registration-sweep-sec': '5',
        'presence-hosts': 'pbx.example',
      }),
    );
    expect(s).toEqual({
      profileName: 'internal', disableRegister: false, acceptBlindReg: true, registerAcl: 'loopback.auto', forceRegisterDomain: 'pbx.example',
      forceRegisterDbDomain: 'pbx.example', challengeRealm: 'auto_from', forceMatchingUsername: true, nonceTtlSec: 30,
      multipleRegistrations: 'contact', minExpiresSec: 90, maxExpiresSec: 7200, defaultExpiresSec: 1800, lateMarginSec: 30,
      maxRegistrationsPerExtension: 3, authFailBanCount: 0, authFailWindowSec: 60, authFailBanSec: 300, natAcl: 'nat.auto',
      localNetworkAcl: 'localnet.auto', aggressiveNat: true, natContactMismatch: false, natOptionsPing: true, allRegOptionsPing: false,
      pingIntervalSec: 20, pingMaxFailures: 4, unregisterOnOptionsFail: false, sweepIntervalSec: 5, presenceHosts: 'pbx.example',
    });
  });
});
