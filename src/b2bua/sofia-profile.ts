// A SIP profile as FreeSWITCH's mod_sofia has them (internal, external): one SIP stack bound
// to the profile's sip-ip:sip-port with its timers, user agent and trace tap, built from the
// profile's configuration. Later layers (registrar, call handling, gateways) attach to the
// stack through `stack.route(...)`; this class only owns its life cycle and its faces
// (URL, bind URL, siptrace flag, counters) for `sofia status`.

import type { Logger } from '../common/index.js';
import type { SipProfileConf } from '../config/index.js';
import { SipStack, SipTrace } from '../sip/index.js';

export interface SofiaProfileOptions {
  conf: SipProfileConf;
  logger: Logger;
  /** Product user agent (`softswitch/0.1.0`), used unless the profile sets user-agent-string. */
  userAgent: string;
}

export class SofiaProfile {
  readonly name: string;
  readonly stack: SipStack;
  readonly trace: SipTrace;
  #conf: SipProfileConf;
  #log: Logger;
  #startedAt = 0;
  /** Calls in and out, for `sofia status profile`. */
  readonly counters = { callsIn: 0, failedCallsIn: 0, callsOut: 0, failedCallsOut: 0 };

  constructor(opts: SofiaProfileOptions) {
    const conf = opts.conf;
    this.name = conf.name;
    this.#conf = conf;
    const log = opts.logger.child({ mod: 'sofia', profile: conf.name });
    this.#log = log;
    this.trace = new SipTrace((err) => log.warn({ err }, 'siptrace listener failed'));
    this.stack = new SipStack({
      profile: conf.name,
      address: conf.sipIp,
      port: conf.sipPort,
      advertisedAddress: conf.extSipIp && conf.extSipIp !== conf.sipIp ? conf.extSipIp : undefined,
      userAgent: conf.param('user-agent-string') ?? opts.userAgent,
      timers: { t1Ms: conf.int('timer-t1', 500), t2Ms: conf.int('timer-t2', 4000), t4Ms: conf.int('timer-t4', 5000) },
      supported: ['path', 'replaces', 'timer'],
      accept: ['application/sdp'],
      trace: this.trace,
      logger: log,
    });
  }

  /** `sofia loglevel`: debug records from this profile's stack when level > 0. */
  setDebug(on: boolean): void {
    this.#log.level = on ? 'debug' : 'info';
  }

  get conf(): SipProfileConf {
    return this.#conf;
  }

  async start(): Promise<void> {
    await this.stack.start();
    this.#startedAt = Date.now();
  }

  async stop(): Promise<void> {
    await this.stack.stop();
  }

  get startedAt(): number {
    return this.#startedAt;
  }

  get running(): boolean {
    return this.#startedAt > 0;
  }

  /** `sip:mod_sofia@ip:port` as FreeSWITCH names a profile's URL. */
  get url(): string {
    const host = this.stack.advertisedAddress.includes(':') ? `[${this.stack.advertisedAddress}]` : this.stack.advertisedAddress;
    return `sip:mod_sofia@${host}:${this.stack.port}`;
  }

  /** The URL the profile is bound to, with its transports. */
  get bindUrl(): string {
    const host = this.stack.address.includes(':') ? `[${this.stack.address}]` : this.stack.address;
    const transports = this.stack.transportsEnabled.join(',');
    return `sip:mod_sofia@${host}:${this.stack.port};transport=${transports}`;
  }
}
