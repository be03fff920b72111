// The switch assembled: configuration, logging, the event bus, the API command set, the SIP
// profiles and the event socket, started in that order and stopped in the reverse one. This is
// the composition root: the only module that knows every layer, so each layer below it only
// knows its own neighbours.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, EventBus, LogTap, createRootLogger, fsLogLevelControl, type Logger, type LogLevel } from '../common/index.js';
import { AclEvaluator, ConfigStore, type ConfigTree, type SipProfileConf } from '../config/index.js';
import { CallCore, CallMedia, CdrWriter, Sofia, SofiaEndpoint, SofiaProfile, createInviteAuthorizer, readJsonCdrConf, type Channel } from '../b2bua/index.js';
import { MediaEngine, type DtmfMode } from '../rtp/index.js';
import { InlineDialplan, XmlDialplan, compileDialplan, dialplanApis, makeExpander, type ApiFunction } from '../dialplan/index.js';
import {
  domainExistsApi, groupCallApi, hashApi, limitUsageApi, moduleExistsApi, registerApplications, sofiaContactApi, userDataApi, type ContactSource,
} from '../apps/index.js';
import {
  ApiRegistry, MapGlobalVariables, ShowTables, SiptraceControl, createStaticStatusProvider, productInfo, registerGenericCommands,
  registerCallCommands, registrationsShowSource, registrationsText, sofiaCommand, startHeartbeat,
} from '../api/index.js';
import { SipRegistrar, SqliteLocationStore, fsPath, loadOrCreateNonceSecret, makeAor, registrarSettings } from '../registrar/index.js';
import { EslServer, isLoopbackAddress, serializeEvent } from '../esl/index.js';
import { SwitchGateways } from './switch-gateways.js';

export interface SwitchOptions {
  confDir: string;
  dataDir: string;
  overrides?: Record<string, string>;
  logLevel?: LogLevel;
  logPretty?: boolean;
  /** Where JSON log lines go (default stdout). */
  logDestination?: NodeJS.WritableStream;
}

export interface ReadyInfo {
  profiles: Record<string, { address: string; port: number }>;
  eventSocket: { address: string; port: number };
}

export class Switch {
  readonly logger: Logger;
  readonly logTap: LogTap;
  readonly config: ConfigStore;
  readonly bus: EventBus;
  readonly api: ApiRegistry;
  readonly profiles: SofiaProfile[] = [];
  readonly siptrace: SiptraceControl;
  /** `show <what>`: registrations now; calls and channels add their sources here. */
  readonly show = new ShowTables();
  /** The registrar of each profile, by profile name. */
  readonly registrars = new Map<string, SipRegistrar>();
  readonly core: CallCore;
  readonly sofia = new Sofia();
  /** Gateways (issue 8): the registry behind sofia/gateway/…, killgw, rescan, restart. */
  readonly gateways: SwitchGateways;
  /** `${api(…)}` functions for the dialplan: the dialplan's own plus the switch's. */
  readonly expansionApis = new Map<string, ApiFunction>(dialplanApis);
  #store: SqliteLocationStore | undefined;
  #cdr: CdrWriter | undefined;
  #esl: EslServer | undefined;
  #media: MediaEngine | undefined;
  #stopHeartbeat: (() => void) | undefined;
  #stopping: Promise<void> | undefined;
  #acl: AclEvaluator;

  private constructor(logger: Logger, logTap: LogTap, config: ConfigStore) {
    this.logger = logger;
    this.logTap = logTap;
    this.config = config;
    const tree = config.current;
    this.bus = new EventBus(
      {
        coreUuid: tree.getGlobal('core_uuid'),
        hostname: tree.getGlobal('hostname'),
        switchname: tree.switchConf.switchname ?? tree.getGlobal('hostname'),
        ipv4: tree.getGlobal('local_ip_v4'),
        ipv6: tree.getGlobal('local_ip_v6') || '::1',
      },
      (err) => logger.warn({ err }, 'event listener failed'),
    );
    this.api = new ApiRegistry();
    this.siptrace = new SiptraceControl(logTap);
    this.core = new CallCore({
      bus: this.bus,
      logger,
      maxSessions: tree.switchConf.maxSessions,
      sessionsPerSecond: tree.switchConf.sessionsPerSecond,
      globals: (name) => this.config.current.getGlobal(name),
    });
    this.#acl = new AclEvaluator(tree.acl);
    this.gateways = new SwitchGateways({ config, core: this.core, sofia: this.sofia, bus: this.bus, logger, profiles: () => this.profiles });
  }

  /** Load the configuration and start everything. Throws ConfigError on a broken conf/. */
  static async start(opts: SwitchOptions): Promise<Switch> {
    mkdirSync(opts.dataDir, { recursive: true });
    for (const sub of ['db', 'log', 'recordings', 'storage', 'temp', 'cache']) mkdirSync(join(opts.dataDir, sub), { recursive: true });
    const logTap = new LogTap();
    const logger = createRootLogger({ level: opts.logLevel ?? 'info', pretty: opts.logPretty, destination: opts.logDestination, tap: logTap });
    const config = await ConfigStore.load({ confDir: opts.confDir, dataDir: opts.dataDir, overrides: opts.overrides, logger: logger.child({ mod: 'config' }) });
    const sw = new Switch(logger, logTap, config);
    try {
      await sw.#start();
    } catch (err) {
      await sw.stop();
      throw err;
    }
    return sw;
  }

  async #start(): Promise<void> {
    const tree = this.config.current;
    for (const w of tree.warnings) this.logger.warn({ mod: 'config' }, w.message);
    const globals = new MapGlobalVariables(Object.fromEntries(tree.globals));
    // The dialplan: compiled now (a bad regex stops the start with file:line:col) and on every
    // reloadxml before the new tree is accepted (a bad regex keeps the old one).
    const xml = new XmlDialplan(compileDialplan(tree.dialplan.contexts), this.logger);
    const compiled = new WeakMap<ConfigTree, ReturnType<typeof compileDialplan>>();
    this.config.addValidator((next) => compiled.set(next, compileDialplan(next.dialplan.contexts)));
    this.config.on('reload', (current: ConfigTree) => {
      for (const [k, v] of current.globals) globals.set(k, v);
      this.#acl = new AclEvaluator(current.acl);
      const dp = compiled.get(current);
      if (dp) xml.update(dp);
    });
    this.core.registerDialplan(xml);
    this.core.registerDialplan(new InlineDialplan());
    this.core.setExpander(makeExpander(() => this.expansionApis, (name) => globals.get(name)));
    const cfg = () => this.config.current;
    const apps = registerApplications(this.core, {
      config: cfg,
      globals: { set: (n, v) => globals.set(n, v), delete: (n) => globals.delete(n) },
    });
    this.core.registerEndpoint(this.sofia);
    this.#startMedia(tree);
    // API functions usable both as `${fn(args)}` in the dialplan and as console commands.
    for (const [name, fn, module, usage] of [
      ['hash', hashApi(apps.hash), 'mod_hash', 'insert|insert_ifempty|select|delete|delete_ifmatch/realm/key[/value]'],
      ['user_data', userDataApi(cfg), 'mod_commands', '<user>@<domain> [var|param|attr] <name>'],
      ['domain_exists', domainExistsApi(cfg), 'mod_commands', '<domain>'],
      ['module_exists', moduleExistsApi, 'mod_commands', '<module>'],
      ['group_call', groupCallApi(cfg), 'mod_dptools', '<group>@<domain>[+F|+A|+E]'],
      ['limit_usage', limitUsageApi(apps.limit), 'mod_dptools', '<backend> <realm> <resource>'],
      ['sofia_contact', sofiaContactApi({ contacts: this.#contactSource(), defaultDomain: () => cfg().directory.defaultDomain }), 'mod_sofia', '[profile/]<user>@<domain>'],
    ] as const) {
      this.expansionApis.set(name, fn);
      this.api.register(name, { module, usage, handler: (args: string) => fn(args) });
    }
    this.#cdr = await CdrWriter.open({ core: this.core, config: cfg, dataDir: this.config.dataDir, logger: this.logger });
    this.config.addValidator((next) => {
      readJsonCdrConf(next);
    });
    this.config.on('reload', () => this.#cdr?.kickDelivery());
    const base = createStaticStatusProvider({ maxSessions: tree.switchConf.maxSessions, spsLimit: tree.switchConf.sessionsPerSecond });
    const status = {
      snapshot: () => {
        const c = this.core.counters;
        return {
          ...base.snapshot(),
          sessionsSinceStartup: c.sinceStartup,
          sessionCount: c.current,
          sessionPeakMax: c.peak,
          sessionPeakFiveMin: c.peakFiveMin,
          sessionsPerSecondLast: c.perSecondLast,
          spsMax: c.perSecondMax,
          spsFiveMin: c.perSecondFiveMin,
        };
      },
    };
    registerGenericCommands(this.api, {
      bus: this.bus,
      status,
      globals,
      logLevel: fsLogLevelControl(this.logger),
      reload: () => this.config.reload(),
      product: productInfo(),
      fsctl: {
        send_sighup: async () => {
          await this.#cdr?.hup();
          return '+OK\n';
        },
      },
    });
    this.api.register('sofia', sofiaCommand({
      profiles: () => this.profiles,
      aliases: () => this.#aliases(),
      logTap: this.logTap,
      channelsInUse: (name) => [...this.core.channels()].filter((c) => c.getVariable('sip_profile_name') === name).length,
      setStackDebug: (level) => {
        for (const p of this.profiles) p.setDebug(level > 0);
      },
      registrationCount: async (p) => (await this.registrars.get(p)?.count()) ?? 0,
      registrations: (p, sub, arg) =>
        registrationsText(this.registrars.get(p)!, sub, arg, { hostname: this.bus.identity.hostname, nowSec: Math.floor(Date.now() / 1000) }),
      flushRegistrations: async (p, what) => (await this.registrars.get(p)?.flush(what)) ?? 0,
      gateways: this.gateways.hooks(),
    }, this.siptrace));
    this.show.add('registrations', registrationsShowSource(() => this.registrars.values(), () => this.bus.identity.hostname));
    this.api.register('show', this.show.command());
    registerCallCommands(this.api, { core: this.core, config: cfg, show: this.show, serializeEvent });

    const userAgent = `${productInfo().name}/${productInfo().version}`;
    for (const conf of tree.sipProfiles) {
      const profile = new SofiaProfile({ conf, logger: this.logger, userAgent });
      this.#attachRegistrar(profile);
      await profile.start();
      this.profiles.push(profile);
      const registrar = this.registrars.get(profile.name);
      const authorizer = this.gateways.authorizerFor(profile, registrar
        ? createInviteAuthorizer({ profile: conf, authenticator: registrar.authenticator, directory: () => this.config.current.directory, acl: () => this.#acl })
        : undefined);
      this.sofia.add(new SofiaEndpoint({ profile, core: this.core, logger: this.logger, authorizer }));
      if (conf.bool('sip-trace', false)) this.siptrace.setProfile(profile, true);
      this.gateways.startProfile(profile);
    }
    this.gateways.registry.warnIfGuarded();

    const es = tree.eventSocket;
    this.#esl = new EslServer({
      host: es.listenIp,
      port: es.listenPort,
      password: es.password,
      isAllowed: (ip) => (es.applyInboundAcl ? this.#acl.check(es.applyInboundAcl, ip).allowed : isLoopbackAddress(ip)),
      bus: this.bus,
      api: this.api,
      logTap: this.logTap,
      logger: this.logger,
    });
    await this.#esl.listen();
    this.#stopHeartbeat = startHeartbeat(this.bus, status, es.heartbeatIntervalSec * 1000, productInfo());
    this.logger.info({ mod: 'core', ...this.ready }, 'softswitch ready');
  }

  /**
   * The media layer (issue 6): one engine for every profile (ports from switch.conf's
   * rtp-start-port … rtp-end-port), each channel's RTP bound and advertised by its profile's
   * rtp-ip / ext-rtp-ip, codecs, DTMF, timeouts and hold music read from that profile as the
   * configuration stands at the time (reloadxml applies to the next call).
   */
  #startMedia(tree: ConfigTree): void {
    const first = tree.sipProfiles[0];
    const sc = tree.switchConf;
    this.#media = new MediaEngine({
      rtpIp: first?.rtpIp ?? tree.getGlobal('local_ip_v4') ?? '127.0.0.1',
      advertisedIp: first?.extRtpIp,
      portStart: sc.rtpStartPort,
      portEnd: sc.rtpEndPort,
      dataDir: this.config.dataDir,
      logger: this.logger,
    });
    const profileOf = (ch: Channel): SipProfileConf | undefined => {
      const cur = this.config.current;
      const name = ch.getVariable('sip_profile_name') ?? ch.originator?.getVariable('sip_profile_name');
      return (name ? cur.sipProfile(name) : undefined) ?? cur.sipProfiles[0];
    };
    const param = (ch: Channel, name: string) => profileOf(ch)?.params.get(name)?.trim() || undefined;
    const int = (ch: Channel, name: string, fallback: number) => {
      const n = Number.parseInt(param(ch, name) ?? '', 10);
      return Number.isFinite(n) && n >= 0 ? n : fallback;
    };
    const codecs = () => this.config.current.getGlobal('global_codec_prefs') || 'PCMU,PCMA';
    this.core.media = new CallMedia({
      engine: this.#media,
      logger: this.logger,
      prefs: (ch) => ({ inbound: param(ch, 'inbound-codec-prefs') ?? codecs(), outbound: param(ch, 'outbound-codec-prefs') ?? codecs() }),
      dtmf: (ch) => {
        const type = (param(ch, 'dtmf-type') ?? 'rfc2833').toLowerCase();
        const mode: DtmfMode = type === 'info' ? 'info' : type === 'none' ? 'none' : 'rfc2833';
        const pt = int(ch, 'rfc2833-pt', 101);
        return { mode, pt: pt >= 96 && pt <= 127 ? pt : 101 };
      },
      timeouts: (ch) => ({ timeoutSec: int(ch, 'rtp-timeout-sec', 0), holdTimeoutSec: int(ch, 'rtp-hold-timeout-sec', 0) }),
      addresses: (ch) => {
        const p = profileOf(ch);
        return p ? { rtpIp: p.rtpIp, advertisedIp: p.extRtpIp } : undefined;
      },
      holdMusic: (ch) => param(ch, 'hold-music'),
    });
  }

  /**
   * The registrar of a profile (issue 4), attached before the profile listens so that no
   * REGISTER meets a 405. One location store for all, `<data>/db/registrations.db`; one nonce
   * secret, `<data>/db/nonce.secret`, so nonces survive a restart.
   */
  #attachRegistrar(profile: SofiaProfile): void {
    const db = join(this.config.dataDir, 'db');
    this.#store ??= SqliteLocationStore.open(join(db, 'registrations.db'), {
      groupCommit: true,
      onError: (err) => this.logger.error({ mod: 'registrar', err }, 'location store write failed'),
    });
    const registrar = new SipRegistrar({
      stack: profile.stack,
      settings: registrarSettings(profile.conf),
      directory: () => this.config.current.directory,
      acl: () => this.#acl,
      store: this.#store,
      bus: this.bus,
      logger: this.logger,
      nonceSecret: loadOrCreateNonceSecret(join(db, 'nonce.secret')),
    });
    registrar.start();
    this.registrars.set(profile.name, registrar);
  }

  /**
   * Registrations for `${sofia_contact(…)}`, read synchronously from the location store: each
   * binding's Contact, and the address to really send to (`fs_path`) when the phone is behind
   * NAT or on a stream transport.
   */
  #contactSource(): ContactSource {
    return {
      contactsOf: (user, domain) => {
        const store = this.#store;
        if (!store) return [];
        const out: Array<{ profile: string; contactUri: string; reachUri?: string; q: number; at: number }> = [];
        for (const p of this.profiles) {
          const dbDomain = registrarSettings(p.conf).forceRegisterDbDomain ?? domain;
          const bindings = store.lookup(makeAor(user, dbDomain), Math.floor(Date.now() / 1000) - 60) as Array<import('../registrar/index.js').StoredBinding>;
          for (const b of bindings) {
            if (b.profile !== undefined && b.profile !== p.name) continue;
            if (out.some((o) => o.contactUri === b.contactUri)) continue;
            out.push({ profile: b.profile ?? p.name, contactUri: b.contactUri, reachUri: b.natted || b.transport !== 'udp' ? fsPath(b) : undefined, q: b.q ?? 1, at: b.registeredAt });
          }
        }
        out.sort((a, b) => b.q - a.q || b.at - a.at);
        return out.map(({ profile, contactUri, reachUri }) => ({ profile, contactUri, reachUri }));
      },
    };
  }

  /** Each directory domain aliased to the profiles whose `<domain alias="true">` covers it. */
  #aliases(): Array<{ alias: string; profile: string }> {
    const tree = this.config.current;
    const out: Array<{ alias: string; profile: string }> = [];
    for (const p of this.profiles) {
      for (const d of p.conf.domains) {
        if (!d.alias) continue;
        const names = d.name.toLowerCase() === 'all' ? [...tree.directory.domains.keys()] : [d.name];
        for (const n of names) if (n !== p.name) out.push({ alias: tree.directory.domain(n)?.name ?? n, profile: p.name });
      }
      for (const a of p.conf.aliases) out.push({ alias: a, profile: p.name });
    }
    return out;
  }

  get ready(): ReadyInfo {
    const profiles: ReadyInfo['profiles'] = {};
    for (const p of this.profiles) profiles[p.name] = { address: p.stack.address, port: p.stack.port };
    const addr = this.#esl?.address;
    return { profiles, eventSocket: { address: addr?.address ?? '', port: addr?.port ?? 0 } };
  }

  /** Graceful stop: event socket clients are told, profiles close, logs flush. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.logger.info({ mod: 'core' }, 'softswitch stopping');
    this.#stopHeartbeat?.();
    // Calls first: every leg gets its BYE/CANCEL/final response before the sockets close.
    const calls = await this.core.hangupAll('SYSTEM_SHUTDOWN');
    if (calls > 0) await new Promise((r) => setTimeout(r, 200));
    await this.#cdr?.close();
    this.core.close();
    await this.#media?.close();
    await this.#esl?.close();
    await this.gateways.stop();
    for (const r of this.registrars.values()) r.stop();
    for (const p of [...this.profiles].reverse()) await p.stop();
    this.#store?.close();
    this.logger.info({ mod: 'core' }, 'softswitch stopped');
    this.logger.flush();
  }
}

export { ConfigError };
