// The dialplans the core routes with: `XML` (the compiled conf/dialplan tree, hunted per call
// and replaced on reloadxml) and `inline` (`app:arg,app:arg`), plus the `${…}` expander the
// core uses for application data: channel variables, then caller-profile fields, then global
// variables, with API calls through a registry the composition root fills.

import type { Logger } from '../common/index.js';
import type { CallCore, Channel, Dialplan, DialplanAction } from '../b2bua/index.js';
import type { CompiledDialplan } from './compile.js';
import { hunt, type CallerProfile, type DialplanChannel } from './hunt.js';
import { expandVariables } from './expand.js';
import { apiCaller, type ApiRegistry } from './apis.js';
import { parseInlineDialplan } from './inline.js';

/** The caller-profile fields of a channel under FreeSWITCH's names. */
export function callerProfileOf(ch: Channel): CallerProfile {
  const p = ch.profile;
  return {
    dialplan: p.dialplan, username: p.username, caller_id_name: p.callerIdName, caller_id_number: p.callerIdNumber,
    orig_caller_id_name: p.origCallerIdName, orig_caller_id_number: p.origCallerIdNumber,
    callee_id_name: p.calleeIdName, callee_id_number: p.calleeIdNumber, ani: p.ani, aniii: p.aniii,
    network_addr: p.networkAddr, rdnis: p.rdnis, destination_number: p.destinationNumber, uuid: ch.uuid,
    source: p.source, transfer_source: p.transferSource, context: p.context, chan_name: ch.name,
    profile_index: String(p.profileIndex),
  };
}

const PROFILE_FIELDS: Record<string, (ch: Channel) => string> = {
  dialplan: (c) => c.profile.dialplan, username: (c) => c.profile.username,
  caller_id_name: (c) => c.profile.callerIdName, caller_id_number: (c) => c.profile.callerIdNumber,
  orig_caller_id_name: (c) => c.profile.origCallerIdName, orig_caller_id_number: (c) => c.profile.origCallerIdNumber,
  callee_id_name: (c) => c.profile.calleeIdName, callee_id_number: (c) => c.profile.calleeIdNumber,
  ani: (c) => c.profile.ani, aniii: (c) => c.profile.aniii, network_addr: (c) => c.profile.networkAddr,
  rdnis: (c) => c.profile.rdnis, destination_number: (c) => c.profile.destinationNumber,
  source: (c) => c.profile.source, transfer_source: (c) => c.profile.transferSource, context: (c) => c.profile.context,
  chan_name: (c) => c.name, channel_name: (c) => c.name, profile_index: (c) => String(c.profile.profileIndex),
  direction: (c) => c.direction,
};

/**
 * The `${…}` expander for the core: lookup order channel variable → caller-profile field
 * (also `aleg_`/`bleg_`-prefixed for the originator/partner) → global; API calls via `apis`.
 */
export function makeExpander(apis: () => ApiRegistry, globals: (name: string) => string | undefined): (text: string, ch: Channel | undefined) => string {
  const ctx = { now: () => Date.now() };
  return (text, ch) => {
    const call = apiCaller(apis(), { ...ctx, channel: ch } as never);
    return expandVariables(text, {
      getVariable: (name) => lookup(ch, name) ?? globals(name),
      callApi: call,
    });
  };
}

function lookup(ch: Channel | undefined, name: string): string | undefined {
  if (!ch) return undefined;
  const v = ch.getVariable(name);
  if (v !== undefined) return v;
  const field = PROFILE_FIELDS[name];
  if (field) return field(ch);
  if (name.startsWith('aleg_') || name.startsWith('bleg_')) {
    const other = name.startsWith('aleg_') ? (ch.direction === 'inbound' ? ch : ch.originator) : (ch.partner ?? undefined);
    if (other) return lookup(other, name.slice(5));
  }
  return undefined;
}

function huntChannel(ch: Channel, core: CallCore): DialplanChannel {
  return {
    name: ch.name,
    callerProfile: callerProfileOf(ch),
    getVariable: (n) => ch.getVariable(n),
    setVariable: (n, v) => ch.setVariable(n, v),
    unsetVariablesWithPrefix: (prefix) => {
      for (const k of [...ch.variables.keys()]) if (k.startsWith(prefix)) ch.variables.delete(k);
    },
    expand: (text) => core.expand(text, ch),
  };
}

export class XmlDialplan implements Dialplan {
  readonly name = 'XML';
  #compiled: CompiledDialplan;
  readonly #log: Logger;

  constructor(compiled: CompiledDialplan, logger: Logger) {
    this.#compiled = compiled;
    this.#log = logger.child({ mod: 'dialplan' });
  }

  /** Replace the dialplan (after a successful reloadxml); calls in progress keep theirs. */
  update(compiled: CompiledDialplan): void {
    this.#compiled = compiled;
  }

  route(ch: Channel, core: CallCore): DialplanAction[] {
    const result = hunt(this.#compiled, huntChannel(ch, core), {
      context: ch.profile.context,
      executeInline: (app, data) => {
        const a = core.application(app);
        if (!a) return;
        // Routing-safe applications are synchronous: run them here, during the hunt.
        void a.run(ch, core.expand(data, ch), { core, signal: ch.signal });
      },
    });
    for (const line of result.log) {
      if (line.level === 'debug') ch.log.debug({ mod: 'dialplan' }, line.message);
      else if (line.level === 'info') ch.log.info({ mod: 'dialplan' }, line.message);
      else if (line.level === 'warn') ch.log.warn({ mod: 'dialplan' }, line.message);
      else ch.log.error({ mod: 'dialplan' }, line.message);
    }
    if (result.extensionName) ch.setVariable('current_extension', result.extensionName);
    return result.actions.map((a) => ({ app: a.app, data: a.data }));
  }

  get log(): Logger {
    return this.#log;
  }
}

/** `inline`: the destination is the task list itself (`answer,playback:x,hangup`). */
export class InlineDialplan implements Dialplan {
  readonly name = 'inline';

  route(ch: Channel): DialplanAction[] {
    try {
      return parseInlineDialplan(ch.profile.destinationNumber).map((a) => ({ app: a.app, data: a.data }));
    } catch (err) {
      ch.log.warn({ err: (err as Error).message }, 'bad inline dialplan');
      return [];
    }
  }
}
