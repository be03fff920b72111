// Dial strings for bridge/originate (spec §4.3), parsed into a structure the originate code walks:
//
//   <ent=vars>{all=legs}[this=leg]tech/dest,[this=leg]tech/dest|tech/dest:_:{…}tech/dest
//   └ enterprise └ every leg  └ one leg     ^ simultaneous      ^ failover ^ enterprise
//
// `{…}`/`[…]` hold `k=v` items split on `,` (or `^^<c>`), single-quoted values may hold the
// separator. Separators inside `{}`, `[]`, quotes and `${…}` never split. This module parses
// only: it looks nothing up and expands nothing (a `${…}` leg stays an expression).

import { parseCause, type HangupCause } from '../b2bua/index.js';
import { SoftswitchError } from '../common/index.js';
import { cleanupSeparated, splitOutsideNesting } from './app-args.js';

/** A malformed dial string. `hangupCause` is what the originate should fail with. */
export class DialStringError extends SoftswitchError {
  readonly hangupCause: HangupCause;

  constructor(message: string, hangupCause: HangupCause = 'INVALID_URL') {
    super('ERR_DIAL_STRING', message);
    this.hangupCause = hangupCause;
  }
}

export interface DialVariable {
  readonly name: string;
  readonly value: string;
}

export type Endpoint =
  /** `user/<id>[@<domain>]` — directory lookup. */
  | { readonly kind: 'user'; readonly user: string; readonly domain: string | undefined }
  /** `sofia/<profile>/<target>` — SIP URI (`sip:` optional) or a user registered on the profile. */
  | { readonly kind: 'sofia'; readonly profile: string; readonly target: string }
  /** `sofia/gateway/<gateway>/<number>`. */
  | { readonly kind: 'gateway'; readonly gateway: string; readonly number: string }
  /** `loopback/<exten>[/<context>[/<dialplan>]]`. */
  | { readonly kind: 'loopback'; readonly exten: string; readonly context: string | undefined; readonly dialplan: string | undefined }
  /** `loopback/app=<app>[:<args>]`. */
  | { readonly kind: 'loopback-app'; readonly app: string; readonly args: string }
  /** `group/<name>[@<domain>]`. */
  | { readonly kind: 'group'; readonly group: string; readonly domain: string | undefined }
  /** `pickup/<key>`. */
  | { readonly kind: 'pickup'; readonly key: string }
  /** `error/<CAUSE>` — fails at once with that cause (unknown name → NORMAL_CLEARING). */
  | { readonly kind: 'error'; readonly cause: HangupCause; readonly causeText: string }
  /** A leg that is still a `${…}` expression (e.g. `${sofia_contact(…)}`): expand, then parse. */
  | { readonly kind: 'expression'; readonly text: string }
  /** Any other `tech/destination`. */
  | { readonly kind: 'other'; readonly tech: string; readonly destination: string };

export interface DialLeg {
  /** `[…]` variables of this leg only. */
  readonly vars: readonly DialVariable[];
  /** The destination text after the `[…]` blocks. */
  readonly target: string;
  readonly endpoint: Endpoint;
}

/** Legs rung at the same time (`,`). */
export interface DialGroup {
  readonly legs: readonly DialLeg[];
}

/** One originate: `{…}` variables for all its legs, then groups tried in order (`|`). */
export interface DialOriginate {
  readonly vars: readonly DialVariable[];
  readonly groups: readonly DialGroup[];
}

export interface DialString {
  /** `<…>` variables for every leg of every enterprise originate. */
  readonly vars: readonly DialVariable[];
  /** Independent parallel originates (`:_:`); one element for an ordinary dial string. */
  readonly originates: readonly DialOriginate[];
}

/** Upper bound on legs, so a hostile string cannot make us originate thousands of calls. */
export const MAX_DIAL_LEGS = 256;

/** Parse a dial string. Throws DialStringError on malformed input. */
export function parseDialString(input: string): DialString {
  let text = input.trim();
  if (text === '') throw new DialStringError('empty dial string');
  let vars: DialVariable[] = [];
  if (text.startsWith('<')) {
    const end = findBlockEnd(text, 0, '<', '>');
    vars = parseVariables(text.slice(1, end));
    text = text.slice(end + 1).trim();
  }
  let legCount = 0;
  const items = splitOutsideNesting(text, ':_:');
  const originates = items.map((raw, idx) => {
    const item = raw.trim();
    if (item === '') throw new DialStringError(`empty enterprise originate #${idx + 1} in "${input}"`);
    const originate = parseOriginate(item, input);
    for (const g of originate.groups) legCount += g.legs.length;
    if (legCount > MAX_DIAL_LEGS) throw new DialStringError(`dial string has more than ${MAX_DIAL_LEGS} legs`);
    return originate;
  });
  return { vars, originates };
}

/** Variables as an object; a later definition of a name wins. */
export function variablesToRecord(vars: readonly DialVariable[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of vars) out[v.name] = v.value;
  return out;
}

function parseOriginate(item: string, input: string): DialOriginate {
  let text = item;
  const vars: DialVariable[] = [];
  while (text.startsWith('{')) {
    const end = findBlockEnd(text, 0, '{', '}');
    vars.push(...parseVariables(text.slice(1, end)));
    text = text.slice(end + 1).trim();
  }
  if (text === '') throw new DialStringError(`no destination after the variables in "${input}"`);
  const groups = dropTrailingEmpty(splitOutsideNesting(text, '|')).map((g) => {
    const legs = dropTrailingEmpty(splitOutsideNesting(g, ',')).map((l) => parseLeg(l.trim(), input));
    if (legs.length === 0) throw new DialStringError(`empty failover group in "${input}"`);
    return { legs };
  });
  return { vars, groups };
}

/** FS's splitter ignores one trailing separator (`user/1000,`); interior empties are errors. */
function dropTrailingEmpty(parts: string[]): string[] {
  if (parts.length > 1 && parts[parts.length - 1]!.trim() === '') parts.pop();
  return parts;
}

function parseLeg(leg: string, input: string): DialLeg {
  if (leg === '') throw new DialStringError(`empty destination in "${input}"`);
  let text = leg;
  const vars: DialVariable[] = [];
  while (text.startsWith('[')) {
    const end = findBlockEnd(text, 0, '[', ']');
    vars.push(...parseVariables(text.slice(1, end)));
    text = text.slice(end + 1).trim();
  }
  if (text.startsWith('{')) {
    throw new DialStringError(`{…} variables are only allowed at the start of a dial string; use […] for one leg: "${leg}"`);
  }
  if (text === '') throw new DialStringError(`no destination after the […] variables in "${input}"`);
  return { vars, target: text, endpoint: parseEndpoint(text) };
}

/** Index of the character closing the block opened at `start` (nesting and quotes respected). */
function findBlockEnd(text: string, start: number, open: string, close: string): number {
  let depth = 0;
  let inQuotes = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === "'" && (inQuotes || text.indexOf("'", i + 1) !== -1)) {
      inQuotes = !inQuotes;
      continue;
    }
    if (inQuotes) continue;
    if (c === open) depth++;
    else if (c === close && --depth === 0) return i;
  }
  throw new DialStringError(`unbalanced ${open}…${close} in "${text}"`);
}

/** The inside of a `{…}`, `[…]` or `<…>` block: `k=v` items on `,` or the `^^<c>` separator. */
export function parseVariables(block: string): DialVariable[] {
  let body = block;
  let delim = ',';
  if (body.startsWith('^^') && body.length >= 3) {
    delim = body[2]!;
    body = body.slice(3);
  }
  const vars: DialVariable[] = [];
  for (const raw of splitOutsideNesting(body, delim)) {
    const item = cleanupSeparated(raw, delim);
    const eq = item.indexOf('=');
    // FS skips items without `=`.
    if (eq <= 0) continue;
    vars.push({ name: item.slice(0, eq).trim(), value: item.slice(eq + 1) });
  }
  return vars;
}

function splitAt(text: string, sep: string): [string, string | undefined] {
  const i = text.indexOf(sep);
  return i === -1 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

/** Recognise the endpoint of one destination (`tech/…`). */
export function parseEndpoint(target: string): Endpoint {
  if (target.startsWith('${')) return { kind: 'expression', text: target };
  const [tech, rest] = splitAt(target, '/');
  if (rest === undefined || tech === '') {
    throw new DialStringError(`"${target}" is not tech/destination`);
  }
  switch (tech) {
    case 'user': {
      const [user, domain] = splitAt(rest, '@');
      if (user === '') throw new DialStringError(`user/ needs a user id: "${target}"`);
      return { kind: 'user', user, domain: domain || undefined };
    }
    case 'sofia': {
      const [profile, after] = splitAt(rest, '/');
      if (profile === '' || after === undefined || after === '') {
        throw new DialStringError(`sofia/ needs a profile and a destination: "${target}"`);
      }
      if (profile === 'gateway') {
        const [gateway, number] = splitAt(after, '/');
        if (gateway === '' || number === undefined || number === '') {
          throw new DialStringError(`sofia/gateway/ needs a gateway and a number: "${target}"`);
        }
        return { kind: 'gateway', gateway, number };
      }
      return { kind: 'sofia', profile, target: after };
    }
    case 'loopback': {
      if (rest.startsWith('app=')) {
        const [app, args] = splitAt(rest.slice(4), ':');
        if (app === '') throw new DialStringError(`loopback/app= needs an application: "${target}"`);
        return { kind: 'loopback-app', app, args: args ?? '' };
      }
      const [exten, context, dialplan] = rest.split('/');
      if (!exten) throw new DialStringError(`loopback/ needs an extension: "${target}"`);
      return { kind: 'loopback', exten, context: context || undefined, dialplan: dialplan || undefined };
    }
    case 'group': {
      const [group, domain] = splitAt(rest, '@');
      if (group === '') throw new DialStringError(`group/ needs a group name: "${target}"`);
      return { kind: 'group', group, domain: domain || undefined };
    }
    case 'pickup':
      if (rest === '') throw new DialStringError(`pickup/ needs a key: "${target}"`);
      return { kind: 'pickup', key: rest };
    case 'error':
      return { kind: 'error', cause: parseCause(rest), causeText: rest };
    default:
      if (rest === '') throw new DialStringError(`${tech}/ needs a destination: "${target}"`);
      return { kind: 'other', tech, destination: rest };
  }
}
