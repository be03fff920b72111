// What the core needs from the layers above it and from the endpoints, declared here and
// implemented there (style.md §1: a lower layer defines the interface, the upper implements it
// and registers at start-up): dialplans (dialplan/), applications (apps/), the variable
// expander (dialplan's ${…} with the API functions), and endpoints (sofia, …).

import type { Channel } from './channel.js';
import type { CallCore } from './core.js';
import type { HangupCause } from './causes.js';

export interface DialplanAction {
  app: string;
  data: string;
}

/** Turns a channel in ROUTING into its task list (FreeSWITCH's dialplan interface). */
export interface Dialplan {
  /** `XML`, `inline` … */
  readonly name: string;
  /** The actions for the channel's destination in its context; empty = no route. */
  route(channel: Channel, core: CallCore): DialplanAction[];
}

export interface AppContext {
  readonly core: CallCore;
  /** The channel's abort signal: fires on hangup (and on transfer for the running app). */
  readonly signal: AbortSignal;
}

/** What an application returns: its Application-Response, when it has one. */
export type AppResult = string | void;

/** A dialplan application (a FreeSWITCH dptool): answer, bridge, set, sleep … */
export interface Application {
  readonly name: string;
  /** May run inline while hunting (spec §3.5). */
  readonly routingSafe?: boolean;
  /** Whether `${…}` in the data is left for the application to expand itself. */
  readonly noExpand?: boolean;
  run(channel: Channel, data: string, ctx: AppContext): Promise<AppResult> | AppResult;
}

/** Expands `${…}` for a channel (variables, caller profile, globals, API calls). */
export type Expander = (text: string, channel: Channel | undefined) => string;

/** One outbound leg to create: `sofia/internal/sip:1000@10.0.0.5:5062` → technology + target. */
export interface LegSpec {
  technology: string;
  target: string;
  /** `[var=val]` of this leg, over `{var=val}` of the whole dial string. */
  variables: Record<string, string>;
}

/**
 * What a bridge or originate dials: groups tried one after the other (`|` failover); the legs
 * of a group ring at once (`,`), first answer wins.
 */
export interface OriginatePlan {
  variables: Record<string, string>;
  groups: LegSpec[][];
}

export interface OriginateRequest {
  /** The new leg's channel, already created by the core with its variables and caller id. */
  channel: Channel;
  target: string;
  /** The originating channel, when there is one (bridge). */
  originator: Channel | undefined;
  /** The SDP to offer (the A-leg's offer in bypass mode), when known. */
  sdp: Buffer | undefined;
}

/** A technology that can create outbound legs (sofia, loopback …). */
export interface Endpoint {
  readonly technology: string;
  /**
   * Start signalling for `req.channel` towards `req.target`. Progress, answer and failure
   * come back as channel events (markRinging, markAnswered, hangup with a cause).
   */
  originate(req: OriginateRequest): void;
  /** A cause when the target cannot be dialled at all (unknown profile, bad URI). */
  validate?(target: string): HangupCause | undefined;
}
