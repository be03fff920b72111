// The pure API functions admins call from `${…}` in dialplans: `cond`, `strftime`,
// `strftime_tz`, `regex` and `create_uuid`, as a registry (name → function) that the lead can
// merge with APIs needing the switch (`hash`, `user_data`, `sofia_contact`…). Behaviour and
// output follow FS's mod_commands, including `-ERR` on bad syntax. `${uuid}` is the channel's
// variable, not an API.

import { randomUUID } from 'node:crypto';
import { atoi, isFsNumber, separateString } from './app-args.js';
import { breakDownTime, isKnownTimeZone, strftime, type ZoneSpec } from './clock.js';
import { compilePattern, substituteCaptures } from './pcre.js';

/** What an API may know about its surroundings. */
export interface ApiContext {
  /** Current time, ms since the epoch. */
  now(): number;
  /** IANA zone used as the server's local time (default: the process's). */
  readonly localTimezone?: string;
}

/** An API: args in, text out. */
export type ApiFunction = (args: string, ctx: ApiContext) => string;

export type ApiRegistry = ReadonlyMap<string, ApiFunction>;

function localZone(ctx: ApiContext): ZoneSpec {
  return ctx.localTimezone ? { kind: 'name', name: ctx.localTimezone } : { kind: 'local' };
}

function atof(text: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)/.exec(text);
  return m ? Number.parseFloat(m[0]) : 0;
}

const stripSpaces = (s: string): string => s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');

/** `cond <a> <op> <b> ? <true> : <false>` with op one of == != > >= < <=. */
export function condApi(args: string): string {
  const q = args.indexOf('?');
  if (q === -1) return '-ERR';
  const argv = separateString(`${args.slice(0, q)}:${args.slice(q + 1)}`, ':', 3);
  if (argv.length < 2 || argv.length > 3) return '-ERR';
  const expr = argv[0]!;
  let op: '==' | '!=' | '>' | '>=' | '<' | '<=' | undefined;
  let a = '';
  let b = '';
  let at: number;
  if ((at = expr.indexOf('!')) !== -1) {
    if (expr[at + 1] === '=') {
      op = '!=';
      a = expr.slice(0, at);
      b = expr.slice(at + 2);
    }
  } else if ((at = expr.indexOf('>')) !== -1) {
    op = expr[at + 1] === '=' ? '>=' : '>';
    a = expr.slice(0, at);
    b = expr.slice(at + op.length);
  } else if ((at = expr.indexOf('<')) !== -1) {
    op = expr[at + 1] === '=' ? '<=' : '<';
    a = expr.slice(0, at);
    b = expr.slice(at + op.length);
  } else if ((at = expr.indexOf('=')) !== -1) {
    if (expr[at + 1] === '=') {
      op = '==';
      a = expr.slice(0, at);
      b = expr.slice(at + 2);
    }
  }
  if (op === undefined) return '-ERR';
  const sa = stripSpaces(a);
  const sb = stripSpaces(b);
  const aNum = isFsNumber(sa);
  const bNum = isFsNumber(sb);
  // A non-number compares by its length, as FS does.
  const af = aNum ? atof(sa) : sa.length;
  const bf = bNum ? atof(sb) : sb.length;
  let isTrue: boolean;
  switch (op) {
    case '==':
      isTrue = !aNum && !bNum ? sa === sb : af === bf;
      break;
    case '!=':
      isTrue = !aNum && !bNum ? sa !== sb : af !== bf;
      break;
    case '>':
      isTrue = af > bf;
      break;
    case '>=':
      isTrue = af >= bf;
      break;
    case '<':
      isTrue = af < bf;
      break;
    case '<=':
      isTrue = af <= bf;
      break;
  }
  if (argv.length === 2 && !isTrue) return '';
  return (isTrue ? argv[1] : argv[2]) ?? '';
}

/** `strftime [<epoch>|]<format>` in the server's local time; empty format = `%Y-%m-%d %T`. */
export function strftimeApi(args: string, ctx: ApiContext): string {
  return formatTime(args, ctx, localZone(ctx));
}

/** `strftime_tz <zone> [<epoch>|]<format>`. */
export function strftimeTzApi(args: string, ctx: ApiContext): string {
  const space = args.indexOf(' ');
  const zoneName = space === -1 ? args : args.slice(0, space);
  const rest = space === -1 ? '' : args.slice(space + 1);
  if (zoneName === '' || !isKnownTimeZone(zoneName)) return '-ERR Invalid timezone';
  return formatTime(rest, ctx, { kind: 'name', name: zoneName });
}

function formatTime(args: string, ctx: ApiContext, zone: ZoneSpec): string {
  let format = args;
  let epochMs = ctx.now();
  const bar = args.indexOf('|');
  if (bar !== -1) {
    epochMs = atoi(args.slice(0, bar)) * 1000;
    format = args.slice(bar + 1);
  }
  const tm = breakDownTime(epochMs, zone);
  return strftime(format === '' ? '%Y-%m-%d %T' : format, tm);
}

/**
 * `regex <value>|<re>[|<subst>]`: with a substitution, the rewritten value (`%1` or `$1`), or
 * the value unchanged when it does not match; without, `true`/`false`. `m:<c>` (c one of
 * `|~/`) changes the separator.
 */
export function regexApi(args: string): string {
  let text = args;
  let delim = '|';
  if (text[0] === 'm' && text[1] === ':' && text[2] !== undefined && '|~/'.includes(text[2])) {
    delim = text[2];
    text = text.slice(3);
  }
  const argv = separateString(text, delim, 3);
  if (argv.length < 2) return '-ERR';
  const value = argv[0]!;
  let match: RegExpExecArray | null = null;
  try {
    match = compilePattern(argv[1]!).exec(value);
  } catch {
    match = null;
  }
  if (argv.length > 2) {
    if (!match) return value;
    return substituteCaptures(argv[2]!.replaceAll('%', '$'), match);
  }
  return match ? 'true' : 'false';
}

/** `create_uuid`: a new random UUID. */
export function createUuidApi(): string {
  return randomUUID();
}

/** The dialplan's own APIs. Merge with the switch's: `new Map([...dialplanApis, ...more])`. */
export const dialplanApis: ApiRegistry = new Map<string, ApiFunction>([
  ['cond', condApi],
  ['strftime', strftimeApi],
  ['strftime_tz', strftimeTzApi],
  ['regex', regexApi],
  ['create_uuid', createUuidApi],
]);

/** Adapt a registry to ExpandEnv.callApi (unknown API → undefined → empty expansion). */
export function apiCaller(registry: ApiRegistry, ctx: ApiContext): (name: string, args: string) => string | undefined {
  return (name, args) => {
    const fn = registry.get(name);
    return fn ? fn(args, ctx) : undefined;
  };
}
