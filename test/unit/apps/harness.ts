// Test support: the real call core with the real XML and inline dialplans, the real
// applications and `${api(…)}` functions, and the test endpoint standing in for SIP. The
// configuration is the shipped conf/ (read, never written) or an XML dialplan given inline.
// Log records are kept in memory so tests can read what `log` and `info` wrote.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { CallCore, type Channel } from '../../../src/b2bua/index.js';
import { EventBus, type SwitchEvent } from '../../../src/common/index.js';
import { ConfigStore, type ConfigTree } from '../../../src/config/index.js';
import { InlineDialplan, XmlDialplan, compileDialplan, dialplanApis, makeExpander, type ApiFunction } from '../../../src/dialplan/index.js';
import {
  domainExistsApi, groupCallApi, hashApi, moduleExistsApi, registerApplications, sofiaContactApi, userDataApi,
  type RegisteredApps, type RegisteredContact,
} from '../../../src/apps/index.js';
import { contextsFromXml } from '../dialplan/xml.js';
import { TestEndpoint } from './test-endpoint.js';

export const CONF = resolve(import.meta.dirname, '../../../conf');
export const DOMAIN = 'pbx.test';

let shipped: Promise<ConfigTree> | undefined;

/** The shipped conf/ with domain pbx.test on 127.0.0.1 (loaded once per test file). */
export function shippedConf(): Promise<ConfigTree> {
  shipped ??= (async () => {
    const data = await mkdtemp(join(tmpdir(), 'softswitch-apps-'));
    try {
      const store = await ConfigStore.load({ confDir: CONF, dataDir: data, overrides: { local_ip_v4: '127.0.0.1', domain: DOMAIN } });
      return store.current;
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  })();
  return shipped;
}

export interface LogRecord {
  level: number;
  msg: string;
  mod?: string;
  uuid?: string;
  [k: string]: unknown;
}

export interface Harness {
  core: CallCore;
  tree: ConfigTree;
  /** The technology `test`: `bridge test/alice`. */
  ep: TestEndpoint;
  /** Standing in for the SIP endpoint: `user/` legs resolve to `sofia/internal/sip:…`. */
  sofia: TestEndpoint;
  apps: RegisteredApps;
  /** Registered contacts by `user@domain`, read by `${sofia_contact(…)}`. */
  contacts: Map<string, RegisteredContact[]>;
  globals: Map<string, string>;
  logs: LogRecord[];
  events: SwitchEvent[];
  apis: Map<string, ApiFunction>;
  close(): void;
}

export interface HarnessOptions {
  /** An XML dialplan (`<include><context …>…</include>`) to route with instead of the shipped one. */
  dialplanXml?: string;
}

export async function makeHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const tree = await shippedConf();
  const logs: LogRecord[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) });
  const bus = new EventBus({ hostname: 'test' });
  const events: SwitchEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const globals = new Map<string, string>(tree.globals);
  const core = new CallCore({ bus, logger, maxSessions: 100_000, globals: (n) => globals.get(n) });
  const compiled = compileDialplan(opts.dialplanXml ? contextsFromXml(opts.dialplanXml) : tree.dialplan.contexts);
  core.registerDialplan(new XmlDialplan(compiled, logger));
  core.registerDialplan(new InlineDialplan());
  const apps = registerApplications(core, { config: () => tree, globals: { set: (n, v) => globals.set(n, v), delete: (n) => globals.delete(n) } });
  const contacts = new Map<string, RegisteredContact[]>();
  const apis = new Map<string, ApiFunction>(dialplanApis);
  apis.set('hash', hashApi(apps.hash));
  apis.set('user_data', userDataApi(() => tree));
  apis.set('domain_exists', domainExistsApi(() => tree));
  apis.set('group_call', groupCallApi(() => tree));
  apis.set('module_exists', moduleExistsApi);
  apis.set('sofia_contact', sofiaContactApi({ contacts: { contactsOf: (u, d) => contacts.get(`${u}@${d}`) ?? [] }, defaultDomain: () => DOMAIN }));
  core.setExpander(makeExpander(() => apis, (n) => globals.get(n)));
  const ep = new TestEndpoint('test');
  const sofia = new TestEndpoint('sofia');
  core.registerEndpoint(ep);
  core.registerEndpoint(sofia);
  return { core, tree, ep, sofia, apps, contacts, globals, logs, events, apis, close: () => core.close() };
}

/** Register `n` phones of user@pbx.test on the internal profile. */
export function register(h: Harness, user: string, n = 1): RegisteredContact[] {
  const list = Array.from({ length: n }, (_, i) => ({ profile: 'internal', contactUri: `sip:${user}@127.0.0.1:${5070 + i}` }));
  h.contacts.set(`${user}@${DOMAIN}`, list);
  return list;
}

/** Wait (bounded) until `cond` holds; throws with `what` when it does not within `ms`. */
export async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Let hangup processing finish (the core reports and destroys a channel on the next turn). */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

/** The variables the SIP endpoint sets on an authenticated caller of the default context. */
export function callerVars(user = '1001'): Record<string, string> {
  return {
    domain_name: DOMAIN,
    user_name: user,
    sip_from_user: user,
    effective_caller_id_name: `Extension ${user}`,
    effective_caller_id_number: user,
    callgroup: 'techsupport',
    user_context: 'default',
  };
}

/** Messages logged for a channel, optionally only those of one `mod`. */
export function logsOf(h: Harness, ch: Channel, mod?: string): LogRecord[] {
  return h.logs.filter((r) => r.uuid === ch.uuid && (mod === undefined || r.mod === mod));
}
