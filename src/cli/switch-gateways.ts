// Gateways assembled (part of the composition root): one registry for the switch, each
// profile's `<gateway>`s created on its stack and started, the trunk-profile authorizer (calls
// in only from gateways and ACLs), and the hooks `sofia …` uses for status, killgw, rescan and
// restart. Kept apart from switch.ts so that the gateway wiring reads in one place.

import type { EventBus, Logger } from '../common/index.js';
import type { ConfigStore, GatewayConf } from '../config/index.js';
import {
  GatewayRegistry, createGatewayAuthorizer, type CallCore, type Gateway, type HostResolver, type InviteAuthorizer, type Sofia, type SofiaProfile,
} from '../b2bua/index.js';
import type { SofiaGatewayHooks } from '../api/index.js';

export interface SwitchGatewaysOptions {
  config: ConfigStore;
  core: CallCore;
  sofia: Sofia;
  bus: EventBus;
  logger: Logger;
  /** The running profiles (restart stops and starts one of them in place). */
  profiles: () => readonly SofiaProfile[];
  resolve?: HostResolver;
}

export class SwitchGateways {
  readonly registry: GatewayRegistry;
  readonly #o: SwitchGatewaysOptions;
  readonly #log: Logger;

  constructor(o: SwitchGatewaysOptions) {
    this.#o = o;
    this.#log = o.logger.child({ mod: 'sofia.gateway' });
    this.registry = new GatewayRegistry({ logger: o.logger, bus: o.bus, global: (n) => o.config.current.getGlobal(n), resolve: o.resolve });
    o.sofia.gateways = this.registry;
  }

  /** Create and start the gateways a profile's configuration defines. */
  startProfile(profile: SofiaProfile, confs: readonly GatewayConf[] = profile.conf.gateways): Gateway[] {
    const started: Gateway[] = [];
    for (const conf of confs) {
      if (this.registry.get(conf.name)) continue;
      try {
        const gw = this.registry.create(conf, { name: profile.name, context: profile.conf.context, sip: profile.stack });
        gw.start();
        started.push(gw);
      } catch (err) {
        this.#log.error({ err, gateway: conf.name }, `gateway ${conf.name} cannot start`);
      }
    }
    return started;
  }

  /**
   * The INVITE authorizer of a profile: trunk profiles (auth-calls off, or any gateway) admit
   * only their gateways and inbound ACLs; others keep `base`.
   */
  authorizerFor(profile: SofiaProfile, base: InviteAuthorizer | undefined): InviteAuthorizer | undefined {
    const trunk = !profile.conf.bool('auth-calls', false) || profile.conf.gateways.length > 0;
    if (!trunk) return base;
    return createGatewayAuthorizer({ profile: profile.conf, gateways: () => this.registry.forProfile(profile.name), base, logger: this.#o.logger });
  }

  hooks(): SofiaGatewayHooks {
    return {
      list: () => this.registry.all(),
      kill: (name) => this.registry.remove(name),
      rescan: async (name) => {
        const r = await this.#o.config.reload();
        const profile = this.#profile(name);
        if (!r.ok || !profile) return { reload: r.ok ? 'Success' : r.error.message, added: [] };
        const conf = r.tree.sipProfiles.find((p) => p.name.toLowerCase() === name.toLowerCase());
        const added = this.startProfile(profile, conf?.gateways ?? []).map((g) => g.name);
        if (added.length > 0) this.#log.info({ profile: profile.name, added }, 'rescan added gateways');
        return { reload: 'Success', added };
      },
      restart: async (name) => {
        const r = await this.#o.config.reload();
        const profile = this.#profile(name);
        if (!profile) return { reload: r.ok ? 'Success' : r.error.message };
        await this.restartProfile(profile);
        return { reload: r.ok ? 'Success' : r.error.message };
      },
    };
  }

  /**
   * `sofia profile <p> restart`: the profile's calls end, its gateways unregister and stop,
   * its sockets close and open again, and its gateways start again from the configuration now
   * in force (the profile's own settings stay as they were loaded at start).
   */
  async restartProfile(profile: SofiaProfile): Promise<void> {
    this.#log.warn({ profile: profile.name }, `restarting profile ${profile.name}`);
    await this.#o.core.hangupAll('MANAGER_REQUEST', (ch) => ch.getVariable('sip_profile_name') === profile.name);
    for (const gw of this.registry.forProfile(profile.name)) await this.registry.remove(gw.name);
    await profile.stop();
    await profile.start();
    const conf = this.#o.config.current.sipProfiles.find((p) => p.name.toLowerCase() === profile.name.toLowerCase());
    this.startProfile(profile, conf?.gateways ?? profile.conf.gateways);
  }

  /** Shutdown: registered gateways unregister (briefly waiting for the answers). */
  stop(): Promise<void> {
    return this.registry.stopAll(1000);
  }

  #profile(name: string): SofiaProfile | undefined {
    return this.#o.profiles().find((p) => p.name.toLowerCase() === name.toLowerCase());
  }
}
