// The switch assembled: configuration, logging, the event bus, the API command set, the SIP
// profiles and the event socket, started in that order and stopped in the reverse one. This is
// the composition root: the only module that knows every layer, so each layer below it only
// knows its own neighbours.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, EventBus, LogTap, createRootLogger, fsLogLevelControl, type Logger, type LogLevel } from '../common/index.js';
import { AclEvaluator, ConfigStore, type ConfigTree } from '../config/index.js';
import { SofiaProfile } from '../b2bua/index.js';
import {
  ApiRegistry, MapGlobalVariables, SiptraceControl, createStaticStatusProvider, productInfo, registerGenericCommands, sofiaCommand, startHeartbeat,
} from '../api/index.js';

import { EslServer, isLoopbackAddress } from '../esl/index.js';

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
  #esl: EslServer | undefined;
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
    this.#acl = new AclEvaluator(tree.acl);
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
    this.config.on('reload', (current: ConfigTree) => {
      for (const [k, v] of current.globals) globals.set(k, v);
      this.#acl = new AclEvaluator(current.acl);
    });
    const status = createStaticStatusProvider({ maxSessions: tree.switchConf.maxSessions, spsLimit: tree.switchConf.sessionsPerSecond });
    registerGenericCommands(this.api, {
      bus: this.bus,
      status,
      globals,
      logLevel: fsLogLevelControl(this.logger),
      reload: () => this.config.reload(),
      product: productInfo(),
    });
    this.api.register('sofia', sofiaCommand({
      profiles: () => this.profiles,
      aliases: () => this.#aliases(),
      logTap: this.logTap,
      setStackDebug: (level) => {
        for (const p of this.profiles) p.setDebug(level > 0);
      },
    }, this.siptrace));

    const userAgent = `${productInfo().name}/${productInfo().version}`;
    for (const conf of tree.sipProfiles) {
      const profile = new SofiaProfile({ conf, logger: this.logger, userAgent });
      await profile.start();
      this.profiles.push(profile);
      if (conf.bool('sip-trace', false)) this.siptrace.setProfile(profile, true);
    }

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
    await this.#esl?.close();
    for (const p of [...this.profiles].reverse()) await p.stop();
    this.logger.info({ mod: 'core' }, 'softswitch stopped');
    this.logger.flush();
  }
}

export { ConfigError };
