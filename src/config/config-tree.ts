// One loaded configuration: the parsed document and the typed views built from it once, all
// immutable. Other modules read these views, never raw XML; the exceptions are the dialplan
// compiler, which receives the `<context>` elements, and modules we add later, which ask for
// their `<configuration>` element by name. A new tree is built on every reloadxml and swapped
// in whole by the ConfigStore.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../common/index.js';
import { readAclConf, type AclConf } from './acl-conf.js';
import { readCdrCsvConf, type CdrCsvConf } from './cdr-csv-conf.js';
import { readDirectory, type Directory } from './directory.js';
import { readEventSocketConf, type EventSocketConf } from './event-socket-conf.js';
import type { GatewayConf } from './gateway-conf.js';
import { readSofiaConf, type SipProfileConf, type SofiaConf } from './sofia-conf.js';
import { readSwitchConf, type SwitchConf } from './switch-conf.js';
import type { SourcePosition, XmlElement } from './xml-element.js';
import { attr, childrenNamed, firstChild, formatPos, requireAttr } from './xml-util.js';

export interface ConfigWarning {
  readonly message: string;
  readonly pos: SourcePosition | undefined;
}

export interface DialplanContexts {
  /** Context name → every `<context>` element with that name, in document order (the first wins). */
  readonly contexts: ReadonlyMap<string, readonly XmlElement[]>;
  /** The first `<context name=…>`, or undefined. */
  context(name: string): XmlElement | undefined;
}

export interface ConfigTreeInit {
  document: XmlElement;
  text: string;
  files: readonly string[];
  globals: ReadonlyMap<string, string>;
}

export class ConfigTree {
  /** The root `<document>` element. */
  readonly document: XmlElement;
  /** The pre-processed document text (what FreeSWITCH writes to freeswitch.xml.fsxml). */
  readonly text: string;
  /** Every file read, in order, relative to the conf directory where possible. */
  readonly files: readonly string[];
  /** Every global after `--var` overrides, names as first spelled. */
  readonly globals: ReadonlyMap<string, string>;
  readonly warnings: readonly ConfigWarning[];
  readonly loadedAt: Date;

  readonly switchConf: SwitchConf;
  readonly eventSocket: EventSocketConf;
  readonly acl: AclConf;
  readonly sofia: SofiaConf;
  readonly sipProfiles: readonly SipProfileConf[];
  readonly directory: Directory;
  readonly dialplan: DialplanContexts;
  readonly cdrCsv: CdrCsvConf;
  /** Module names from modules.conf `<load module=…>`, in order. */
  readonly modules: readonly string[];

  readonly #globalsLower: ReadonlyMap<string, string>;
  readonly #configurations: ReadonlyMap<string, XmlElement>;

  constructor(init: ConfigTreeInit) {
    this.document = init.document;
    this.text = init.text;
    this.files = Object.freeze([...init.files]);
    this.globals = init.globals;
    this.#globalsLower = new Map([...init.globals].map(([k, v]) => [k.toLowerCase(), v]));
    this.loadedAt = new Date();
    const warnings: ConfigWarning[] = [];
    const warn = (message: string, pos: SourcePosition | undefined) => warnings.push(Object.freeze({ message, pos }));

    const root = init.document;
    if (root.name.toLowerCase() !== 'document') {
      throw new ConfigError(`the root element must be <document type="freeswitch/xml">, not <${root.name}>`, root.pos);
    }
    this.#configurations = collectConfigurations(this.section('configuration'), warn);

    this.switchConf = readSwitchConf(this.configuration('switch'));
    this.eventSocket = readEventSocketConf(this.configuration('event_socket'), this.switchConf.eventHeartbeatIntervalSec);

    const defaultDomain = this.getGlobal('domain') || 'freeswitch.local';
    this.directory = readDirectory(
      this.section('directory').filter((el) => el.name.toLowerCase() === 'domain'),
      defaultDomain,
    );
    this.acl = readAclConf(this.configuration('acl'), (d) => this.directory.usersWithCidr(d), warn);

    this.sofia = readSofiaConf(
      this.configuration('sofia'),
      {
        localIpV4: this.getGlobal('local_ip_v4') ?? '127.0.0.1',
        globalCodecPrefs: this.getGlobal('global_codec_prefs'),
        outboundCodecPrefs: this.getGlobal('outbound_codec_prefs'),
        holdMusic: this.getGlobal('hold_music'),
      },
      (domain) => this.#directoryGateways(domain),
    );
    this.sipProfiles = this.sofia.profiles;
    this.#checkAclReferences();

    this.dialplan = readDialplan(this.section('dialplan'));
    this.cdrCsv = readCdrCsvConf(this.configuration('cdr_csv'), this.getGlobal('log_dir') ?? 'log');
    this.modules = Object.freeze(
      childrenNamed(firstChild(this.configuration('modules'), 'modules'), 'load').map((l) => requireAttr(l, 'module')),
    );
    this.warnings = Object.freeze(warnings);
    Object.freeze(this);
  }

  /** A global variable (case-insensitive), after `--var` overrides. */
  getGlobal(name: string): string | undefined {
    return this.#globalsLower.get(name.toLowerCase());
  }

  /** The children of every `<section name=…>` with this name, in document order. */
  section(name: string): XmlElement[] {
    const lower = name.toLowerCase();
    return childrenNamed(this.document, 'section')
      .filter((s) => attr(s, 'name')?.toLowerCase() === lower)
      .flatMap((s) => [...s.children]);
  }

  /**
   * `<configuration name="X.conf">` of the configuration section; `name` may omit `.conf`.
   * The first one wins when a name is defined twice (a warning says where).
   */
  configuration(name: string): XmlElement | undefined {
    return this.#configurations.get(configurationKey(name));
  }

  sipProfile(name: string): SipProfileConf | undefined {
    const lower = name.toLowerCase();
    return this.sipProfiles.find((p) => p.name.toLowerCase() === lower);
  }

  /** A gateway by name, with the profile it belongs to (gateway names are global). */
  findGateway(name: string): { profile: SipProfileConf; gateway: GatewayConf } | undefined {
    for (const profile of this.sipProfiles) {
      const gateway = profile.gateway(name);
      if (gateway) return { profile, gateway };
    }
    return undefined;
  }

  /**
   * Write the pre-processed document for debugging, like FreeSWITCH's
   * `log/freeswitch.xml.fsxml` (the default path). Returns the path written.
   */
  async writeDebugDump(path?: string): Promise<string> {
    const target = path ?? join(this.getGlobal('log_dir') ?? 'log', 'freeswitch.xml.fsxml');
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.tmp`;
    await writeFile(tmp, this.text, 'utf8');
    await rename(tmp, target);
    return target;
  }

  // Gateways of directory users, for profiles whose <domains> have parse="true".
  #directoryGateways(domain: string): GatewayConf[] {
    const domains =
      domain.toLowerCase() === 'all' ? [...this.directory.domains.values()] : [this.directory.domain(domain)].filter((d) => d !== undefined);
    return domains.flatMap((d) => [...d.users.values()].flatMap((u) => [...u.gateways]));
  }

  #checkAclReferences(): void {
    const check = (name: string, where: SourcePosition | undefined, what: string) => {
      if (this.acl.isKnown(name)) return;
      const known = [...[...this.acl.lists.values()].map((l) => l.name), 'loopback.auto', 'localnet.auto', 'nat.auto'];
      throw new ConfigError(`${what} refers to ACL list "${name}", which is not defined (known: ${known.join(', ')})`, where);
    };
    for (const p of this.sipProfiles) {
      for (const e of p.params.list) {
        const n = e.name.toLowerCase();
        if (!['apply-inbound-acl', 'apply-nat-acl', 'local-network-acl', 'apply-register-acl', 'apply-proxy-acl'].includes(n)) continue;
        for (const list of e.value.split(',').map((s) => s.trim()).filter((s) => s !== '')) check(list, e.pos, e.name);
      }
    }
    const es = this.eventSocket;
    if (es.applyInboundAcl) check(es.applyInboundAcl, es.params.entry('apply-inbound-acl')?.pos, 'event socket apply-inbound-acl');
  }
}

function configurationKey(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.conf') ? lower : `${lower}.conf`;
}

function collectConfigurations(
  elements: readonly XmlElement[],
  warn: (message: string, pos: SourcePosition | undefined) => void,
): ReadonlyMap<string, XmlElement> {
  const map = new Map<string, XmlElement>();
  for (const el of elements) {
    if (el.name.toLowerCase() !== 'configuration') continue;
    const name = requireAttr(el, 'name');
    const key = configurationKey(name);
    const first = map.get(key);
    if (first) {
      warn(`configuration ${name} is defined again and ignored (the first, at ${formatPos(first.pos)}, is used)`, el.pos);
      continue;
    }
    map.set(key, el);
  }
  return map;
}

function readDialplan(elements: readonly XmlElement[]): DialplanContexts {
  const contexts = new Map<string, XmlElement[]>();
  for (const el of elements) {
    if (el.name.toLowerCase() !== 'context') continue;
    const name = requireAttr(el, 'name');
    const list = contexts.get(name);
    if (list) list.push(el);
    else contexts.set(name, [el]);
  }
  for (const list of contexts.values()) Object.freeze(list);
  return Object.freeze({ contexts, context: (name: string) => contexts.get(name)?.[0] });
}
