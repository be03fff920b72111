// Every running gateway, by name (gateway names are global in FreeSWITCH: `sofia/gateway/<name>/…`
// finds one whatever its profile). The registry answers whether a leg may go out through a
// gateway now (unknown → INVALID_GATEWAY, DOWN → GATEWAY_DOWN) and holds the toll-fraud guard:
// while the global `default_password` is still the shipped 1234, every gateway leg is refused
// with OUTGOING_CALL_BARRED and a WARNING line, so a fresh install cannot relay calls to a
// paying trunk (FreeSWITCH only sleeps 10 s per call in that case). It also fires
// `sofia::gateway_add` / `sofia::gateway_delete`.

import { InvalidStateError, type EventBus, type Logger } from '../../common/index.js';
import type { GatewayConf } from '../../config/index.js';
import type { HangupCause } from '../causes.js';
import { Gateway, type GatewayClock, type GatewaySip, type HostResolver } from './gateway.js';

/** The password every shipped extension has until someone changes vars.xml. */
export const SHIPPED_DEFAULT_PASSWORD = '1234';

export interface GatewayRegistryOptions {
  logger: Logger;
  bus?: EventBus;
  /** A global variable of the current configuration (default_password is read per call). */
  global: (name: string) => string | undefined;
  clock?: GatewayClock;
  resolve?: HostResolver;
}

/** The profile a gateway is created on. */
export interface GatewayProfileRef {
  name: string;
  context: string;
  sip: GatewaySip;
}

export class GatewayRegistry {
  readonly #gateways = new Map<string, Gateway>();
  readonly #log: Logger;
  readonly #opts: GatewayRegistryOptions;

  constructor(opts: GatewayRegistryOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ mod: 'sofia.gateway' });
  }

  /** Create (not start) a gateway. A name already taken is refused with an error. */
  create(conf: GatewayConf, profile: GatewayProfileRef): Gateway {
    const key = conf.name.toLowerCase();
    if (this.#gateways.has(key)) throw new InvalidStateError(`gateway ${conf.name} already exists`);
    const gw = new Gateway({
      conf,
      profile: profile.name,
      profileContext: profile.context,
      sip: profile.sip,
      logger: this.#opts.logger,
      bus: this.#opts.bus,
      clock: this.#opts.clock,
      resolve: this.#opts.resolve,
    });
    this.#gateways.set(key, gw);
    this.#opts.bus?.publish('CUSTOM', [['profile-name', profile.name], ['Gateway', conf.name]], { subclass: 'sofia::gateway_add' });
    return gw;
  }

  get(name: string): Gateway | undefined {
    return this.#gateways.get(name.toLowerCase());
  }

  all(): Gateway[] {
    return [...this.#gateways.values()];
  }

  forProfile(profile: string): Gateway[] {
    const p = profile.toLowerCase();
    return this.all().filter((g) => g.profile.toLowerCase() === p);
  }

  /** Stop (unregistering when registered) and forget a gateway: `killgw`. */
  async remove(name: string): Promise<boolean> {
    const gw = this.get(name);
    if (!gw) return false;
    this.#gateways.delete(name.toLowerCase());
    await gw.stop({ unregister: true, waitMs: 1000 });
    this.#opts.bus?.publish('CUSTOM', [['profile-name', gw.profile], ['Gateway', gw.name]], { subclass: 'sofia::gateway_delete' });
    this.#log.info({ gateway: gw.name }, `deleted gateway ${gw.name}`);
    return true;
  }

  /** Whether the toll-fraud guard is on: the shipped default_password is still in force. */
  get guarded(): boolean {
    return this.#opts.global('default_password') === SHIPPED_DEFAULT_PASSWORD;
  }

  /** The start-up warning, when the guard is on and there is any gateway to guard. */
  warnIfGuarded(): void {
    if (!this.guarded || this.#gateways.size === 0) return;
    this.#log.warn(
      { gateways: this.all().map((g) => g.name) },
      'default_password is still 1234: every call through a gateway will be refused (OUTGOING_CALL_BARRED) until you change it in vars.xml and run reloadxml',
    );
  }

  /**
   * Why a leg through gateway `name` cannot be dialled now (spec §5.6, §8), or undefined when
   * it can: INVALID_GATEWAY, GATEWAY_DOWN, or OUTGOING_CALL_BARRED under the guard.
   */
  refuse(name: string): HangupCause | undefined {
    const gw = this.get(name);
    if (!gw || !gw.started) return 'INVALID_GATEWAY';
    if (this.guarded) {
      this.#log.warn(
        { gateway: gw.name },
        `call through gateway ${gw.name} refused: default_password is still 1234 (change it in vars.xml, then reloadxml)`,
      );
      return 'OUTGOING_CALL_BARRED';
    }
    if (gw.status === 'DOWN') return 'GATEWAY_DOWN';
    return undefined;
  }

  /** Stop every gateway (shutdown): registered ones unregister, waiting at most `waitMs`. */
  async stopAll(waitMs = 1000): Promise<void> {
    await Promise.all(this.all().map((g) => g.stop({ unregister: true, waitMs })));
  }
}
