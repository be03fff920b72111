// Turning a dial string into an originate plan the core can dial: parse it, expand each leg,
// and resolve endpoints the core does not know — `user/<id>[@domain]` through the directory's
// `dial-string` (by default `${sofia_contact(*/id@domain)}`, which the registrar answers), with
// the user's variables on the new leg, and `group/<name>[@domain]` as all its members at once —
// down to `sofia/…` and `error/…` legs.

import type { Channel, CallCore, LegSpec, OriginatePlan } from '../b2bua/index.js';
import type { ConfigTree } from '../config/index.js';
import { parseDialString, DialStringError, type DialLeg } from '../dialplan/index.js';

export interface ResolveContext {
  core: CallCore;
  config: () => ConfigTree;
  /** The channel on whose behalf we dial (variables, expansion); undefined for API originate. */
  channel: Channel | undefined;
}

const MAX_DEPTH = 4;

/** Expand and resolve a dial string into failover groups of simultaneous legs. */
export function resolveDialString(text: string, ctx: ResolveContext): OriginatePlan | { error: string; cause: import('../b2bua/index.js').HangupCause } {
  try {
    const expanded = ctx.core.expand(text, ctx.channel);
    return resolveExpanded(expanded, ctx, 0);
  } catch (err) {
    if (err instanceof DialStringError) return { error: err.message, cause: err.hangupCause };
    throw err;
  }
}

function vars(list: ReadonlyArray<{ name: string; value: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of list) out[v.name] = v.value;
  return out;
}

function resolveExpanded(text: string, ctx: ResolveContext, depth: number): OriginatePlan {
  const parsed = parseDialString(text);
  // Enterprise originate (`:_:`) rings its parts independently; we ring them as one group.
  const plan: OriginatePlan = { variables: vars(parsed.vars), groups: [] };
  for (const orig of parsed.originates) {
    const globalVars = vars(orig.vars);
    for (const group of orig.groups) {
      const legs: LegSpec[] = [];
      for (const leg of group.legs) legs.push(...resolveLeg(leg, { ...globalVars }, ctx, depth));
      if (legs.length > 0) plan.groups.push(legs);
    }
  }
  return plan;
}

function resolveLeg(leg: DialLeg, groupVars: Record<string, string>, ctx: ResolveContext, depth: number): LegSpec[] {
  const legVars = { ...groupVars, ...vars(leg.vars) };
  const ep = leg.endpoint;
  switch (ep.kind) {
    case 'sofia':
      return [{ technology: 'sofia', target: `${ep.profile}/${ep.target}`, variables: legVars }];
    case 'gateway':
      return [{ technology: 'sofia', target: `gateway/${ep.gateway}/${ep.number}`, variables: legVars }];
    case 'error':
      return [{ technology: 'error', target: ep.cause, variables: legVars }];
    case 'user':
      return resolveUser(ep.user, ep.domain, legVars, ctx, depth);
    case 'group':
      return resolveGroup(ep.group, ep.domain, legVars, ctx, depth);
    case 'expression': {
      if (depth >= MAX_DEPTH) return [{ technology: 'error', target: 'INVALID_URL', variables: legVars }];
      const sub = resolveExpanded(ctx.core.expand(ep.text, ctx.channel), ctx, depth + 1);
      return sub.groups.flat().map((l) => ({ ...l, variables: { ...sub.variables, ...legVars, ...l.variables } }));
    }
    case 'other':
      return [{ technology: ep.tech, target: ep.destination, variables: legVars }];
    default:
      return [{ technology: 'error', target: 'CHAN_NOT_IMPLEMENTED', variables: legVars }];
  }
}

/**
 * `user/1000@domain`: the user's merged `dial-string` param, expanded with dialed_user and
 * dialed_domain, resolved again; the new legs carry the user's variables and land in the
 * user's context. A user that does not exist → SUBSCRIBER_ABSENT.
 */
function resolveUser(id: string, domainName: string | undefined, legVars: Record<string, string>, ctx: ResolveContext, depth: number): LegSpec[] {
  const tree = ctx.config();
  const dir = tree.directory;
  const domain = dir.domain(domainName)?.name ?? domainName ?? tree.getGlobal('domain') ?? '';
  const user = dir.findUser(id, domainName);
  if (!user || depth >= MAX_DEPTH) return [{ technology: 'error', target: 'SUBSCRIBER_ABSENT', variables: legVars }];
  const dialString = user.params.get('dial-string');
  if (!dialString) return [{ technology: 'error', target: 'MANDATORY_IE_MISSING', variables: legVars }];
  const userVars: Record<string, string> = {};
  for (const e of user.variables.list) userVars[e.name] = e.value;
  const scoped = { ...userVars, ...legVars, dialed_user: user.id, dialed_domain: domain };
  // FS sets these on the calling channel too (the dial-string may read them).
  ctx.channel?.setVariable('dialed_user', user.id);
  ctx.channel?.setVariable('dialed_domain', domain);
  // Expand the dial-string with dialed_user/dialed_domain visible, as FreeSWITCH does.
  const expanded = ctx.core.expand(dialString.replace(/\$\{dialed_(user|domain)\}/g, (_m, which: string) => (which === 'user' ? user.id : domain)), ctx.channel);
  let sub: OriginatePlan;
  try {
    sub = resolveExpanded(expanded, ctx, depth + 1);
  } catch (err) {
    if (err instanceof DialStringError) return [{ technology: 'error', target: err.hangupCause, variables: scoped }];
    throw err;
  }
  const legs = sub.groups.flat();
  if (legs.length === 0) return [{ technology: 'error', target: 'USER_NOT_REGISTERED', variables: scoped }];
  return legs.map((l) => ({ ...l, variables: { ...sub.variables, ...scoped, ...l.variables } }));
}

/**
 * `group/sales@domain`: every member of the directory group (pointers included), rung at once
 * as `user/<member>@<domain>` legs. An unknown group → NO_ROUTE_DESTINATION.
 */
function resolveGroup(name: string, domainName: string | undefined, legVars: Record<string, string>, ctx: ResolveContext, depth: number): LegSpec[] {
  const d = ctx.config().directory.domain(domainName);
  const members = d?.groups.get(name);
  if (!d || !members || members.length === 0) return [{ technology: 'error', target: 'NO_ROUTE_DESTINATION', variables: legVars }];
  return members.flatMap((id) => resolveUser(id, d.name, legVars, ctx, depth));
}
