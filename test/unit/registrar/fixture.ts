// A registrar on a real SIP stack on 127.0.0.1, with a small directory written to a temp conf
// tree, an in-memory SQLite location store and an event bus whose CUSTOM events are collected.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, eventHeader, silentLogger, type SwitchEvent } from '../../../src/common/index.js';
import { AclEvaluator, loadConfigTree, type ConfigTree } from '../../../src/config/index.js';
import { computeHa1, DEFAULT_REGISTRAR_SETTINGS, SipRegistrar, SqliteLocationStore, type RegistrarSettings } from '../../../src/registrar/index.js';
import { SipStack } from '../../../src/sip/index.js';

export const DOMAIN = 'pbx.test';

function user(id: string, params: Record<string, string>, variables: Record<string, string> = {}): string {
  const p = Object.entries(params).map(([k, v]) => `<param name="${k}" value="${v}"/>`).join('');
  const v = Object.entries(variables).map(([k, val]) => `<variable name="${k}" value="${val}"/>`).join('');
  return `<include>\n  <user id="${id}">\n    <params>${p}</params>\n    <variables>${v}</variables>\n  </user>\n</include>\n`;
}

/** The users every fixture has: 1000 and 1003/1004 with password 1234, 1001 with only an a1-hash, 1002 barred. */
export const USER_FILES: Record<string, string> = {
  '1000.xml': user('1000', { password: '1234' }, { user_context: 'default', effective_caller_id_name: 'Extension 1000' }),
  '1001.xml': user('1001', { 'a1-hash': computeHa1('MD5', '1001', '127.0.0.1', { password: 'hashed-secret' }) }),
  '1002.xml': user('1002', { password: '1234', 'sip-forbid-register': 'true' }),
  '1003.xml': user('1003', { password: '1234', 'max-registrations-per-extension': '2' }),
  '1004.xml': user('1004', { password: '1234' }),
};

const ROOT = `<?xml version="1.0"?>
<document type="freeswitch/xml">
  <section name="configuration"></section>
  <section name="dialplan"></section>
  <section name="directory">
    <domain name="${DOMAIN}">
      <groups><group name="default"><users>
        <X-PRE-PROCESS cmd="include" data="directory/*.xml"/>
      </users></group></groups>
    </domain>
  </section>
</document>
`;

export interface Fixture {
  stack: SipStack;
  registrar: SipRegistrar;
  store: SqliteLocationStore;
  bus: EventBus;
  events: SwitchEvent[];
  confDir: string;
  tree: ConfigTree;
  /** Move the registrar's clock (ms added to the real time). */
  advance(ms: number): void;
  /** CUSTOM events of a subclass so far. */
  custom(subclass: string): SwitchEvent[];
  /** Add a user file and reload the directory, as `reloadxml` does. */
  addUser(file: string, xml: string): Promise<void>;
  close(): Promise<void>;
}

export async function startFixture(settings: Partial<RegistrarSettings> = {}, opts: { t1Ms?: number; keepaliveTickMs?: number; storeFile?: string } = {}): Promise<Fixture> {
  const confDir = await mkdtemp(join(tmpdir(), 'registrar-conf-'));
  await mkdir(join(confDir, 'directory'));
  await writeFile(join(confDir, 'freeswitch.xml'), ROOT);
  for (const [f, xml] of Object.entries(USER_FILES)) await writeFile(join(confDir, 'directory', f), xml);
  const load = () => loadConfigTree({ confDir, dataDir: confDir });
  let tree = await load();
  const stack = new SipStack({ profile: 'internal', address: '127.0.0.1', port: 0, logger: silentLogger, timers: opts.t1Ms ? { t1Ms: opts.t1Ms } : undefined });
  const store = new SqliteLocationStore({ file: opts.storeFile ?? ':memory:' });
  const bus = new EventBus({ hostname: 'testhost' });
  const events: SwitchEvent[] = [];
  bus.subscribe((e) => events.push(e));
  let offset = 0;
  const acl = new AclEvaluator(tree.acl, {});
  const registrar = new SipRegistrar({
    stack,
    settings: {
      ...DEFAULT_REGISTRAR_SETTINGS,
      profileName: 'internal',
      forceRegisterDomain: DOMAIN,
      forceRegisterDbDomain: DOMAIN,
      multipleRegistrations: 'contact',
      ...settings,
    },
    directory: () => tree.directory,
    acl: () => acl,
    store,
    bus,
    logger: silentLogger,
    now: () => Date.now() + offset,
    keepaliveTickMs: opts.keepaliveTickMs,
  });
  registrar.start();
  await stack.start();
  return {
    stack,
    registrar,
    store,
    bus,
    events,
    confDir,
    get tree() {
      return tree;
    },
    advance(ms: number) {
      offset += ms;
    },
    custom(subclass: string) {
      return events.filter((e) => e.name === 'CUSTOM' && eventHeader(e, 'Event-Subclass') === subclass);
    },
    async addUser(file: string, xml: string) {
      await writeFile(join(confDir, 'directory', file), xml);
      tree = await load();
    },
    async close() {
      registrar.stop();
      await stack.stop();
      store.close();
      await rm(confDir, { recursive: true, force: true });
    },
  };
}

export { user as userXml };
