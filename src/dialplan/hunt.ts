// Hunting (the routing phase) over a compiled XML dialplan, exactly as FS mod_dialplan_xml:
// pick the context (fallback `global`), walk extensions in order (from the one named after the
// destination when `auto_hunt` is on), evaluate each extension's conditions with FS's proceed /
// break / anti-action rules and quirks, and collect the actions. Nothing runs except actions
// marked inline="true" of routing-safe apps, through the caller's callback. The result is the
// channel's task list plus the FS-style debug lines (spec §3.2–3.5).

import { isFsNumber, atoi, switchTrue } from './app-args.js';
import type { ZoneSpec } from './clock.js';
import { isKnownTimeZone } from './clock.js';
import type { CompiledCondition, CompiledDialplan, CompiledExpression } from './compile.js';
import { formatArrayVariable } from './expand.js';
import { compilePattern, matchCaptures, PatternError, substituteCaptures } from './pcre.js';
import { checkTime, type TimeContext } from './time-match.js';

/** Caller-profile fields a bare `field="…"` can name (FS switch_caller_get_field_by_name). */
export const CALLER_PROFILE_FIELDS = [
  'dialplan', 'username', 'caller_id_name', 'caller_id_number', 'orig_caller_id_name',
  'orig_caller_id_number', 'callee_id_name', 'callee_id_number', 'ani', 'aniii',
  'network_addr', 'rdnis', 'destination_number', 'uuid', 'source', 'transfer_source',
  'context', 'chan_name', 'profile_index', 'caller_ton', 'caller_numplan',
  'destination_number_ton', 'destination_number_numplan', 'ani_ton', 'ani_numplan',
  'rdnis_ton', 'rdnis_numplan', 'screen_bit', 'privacy_hide_name', 'privacy_hide_number',
] as const;

export type CallerProfileField = (typeof CALLER_PROFILE_FIELDS)[number];
export type CallerProfile = Readonly<Partial<Record<CallerProfileField, string>>>;

const PROFILE_FIELD_SET: ReadonlySet<string> = new Set(CALLER_PROFILE_FIELDS);

/** Apps FS flags as routing-safe: the only ones inline="true" may run (spec §3.5). */
export const INLINE_APPLICATIONS: ReadonlySet<string> = new Set([
  'set', 'unset', 'export', 'bridge_export', 'multiset', 'multiunset', 'push', 'unshift',
  'set_global', 'set_profile_var', 'log', 'info', 'event', 'eval', 'presence', 'check_acl',
  'set_user', 'verbose_events', 'novideo', 'cng_plc', 'early_hangup', 'stop',
  'set_zombie_exec', 'set_media_stats',
]);

/** The channel as hunting sees it. Hunting writes DP_MATCH / DP_REGEX_MATCH_n through it. */
export interface DialplanChannel {
  /** Channel name for log lines (`sofia/internal/1001@10.0.0.1`). */
  readonly name: string;
  readonly callerProfile: CallerProfile;
  getVariable(name: string): string | undefined;
  /** undefined unsets. */
  setVariable(name: string, value: string | undefined): void;
  /** Unset every variable whose name starts with `prefix` (FS del_variable_prefix). */
  unsetVariablesWithPrefix?(prefix: string): void;
  /** Run-time `${…}` expansion with this channel's variables and the switch's APIs. */
  expand(text: string): string;
}

export interface DialplanAction {
  readonly app: string;
  readonly data: string;
  /** Name of the extension that queued it. */
  readonly extension: string;
}

export type DialplanLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface DialplanLogLine {
  readonly level: DialplanLogLevel;
  readonly message: string;
}

export interface HuntOptions {
  /** Context to hunt in (default: the caller profile's, else `default`). */
  readonly context?: string;
  /** Clock, ms since the epoch (default Date.now). Read once per hunt. */
  readonly now?: () => number;
  /** IANA zone standing for the server's local time (default: the process's zone). */
  readonly localTimezone?: string;
  /** Runs an inline="true" action of a routing-safe app, synchronously, during the hunt. */
  readonly executeInline?: (app: string, data: string) => void;
}

export interface HuntResult {
  /** The context actually used (`global` after a fallback), undefined when none was found. */
  readonly context: string | undefined;
  /** The task list, in order. Empty = no route. */
  readonly actions: readonly DialplanAction[];
  /** Extensions whose conditions reported a match, in hunting order. */
  readonly matchedExtensions: readonly string[];
  /** FS's caller-extension name: the first extension that queued an action. */
  readonly extensionName: string | undefined;
  /** FS-style lines for the caller to log (spec §3.4). */
  readonly log: readonly DialplanLogLine[];
}

/** Run-time compiled expressions (those holding `${…}`), bounded. */
const dynamicRegexCache = new Map<string, RegExp | PatternError>();
const MAX_DYNAMIC_REGEXES = 512;
/** FS stops nested-condition recursion past this level. */
const MAX_RECURSION = 100;

/** Hunt `dialplan` for `channel`. Synchronous; never throws for dialplan content. */
export function hunt(dialplan: CompiledDialplan, channel: DialplanChannel, options: HuntOptions = {}): HuntResult {
  return new Hunter(channel, options).run(dialplan);
}

interface MatchSource {
  readonly match: RegExpExecArray | null;
}

class Hunter {
  readonly #channel: DialplanChannel;
  readonly #options: HuntOptions;
  readonly #nowMs: number;
  readonly #log: DialplanLogLine[] = [];
  readonly #actions: DialplanAction[] = [];
  #extensionName: string | undefined;

  constructor(channel: DialplanChannel, options: HuntOptions) {
    this.#channel = channel;
    this.#options = options;
    this.#nowMs = (options.now ?? Date.now)();
  }

  run(dialplan: CompiledDialplan): HuntResult {
    const profile = this.#channel.callerProfile;
    const contextName = this.#options.context || profile.context || 'default';
    const dest = profile.destination_number ?? '';
    this.#emit('info', `Processing ${profile.caller_id_name ?? ''} <${profile.caller_id_number ?? ''}>->${dest} in context ${contextName}`);
    const context = dialplan.contexts.get(contextName) ?? dialplan.contexts.get('global');
    const matched: string[] = [];
    if (!context) {
      this.#emit('warn', `Context ${contextName} not found`);
      return this.#result(undefined, matched);
    }
    let start = 0;
    if (switchTrue(this.#channel.getVariable('auto_hunt'))) {
      const idx = context.extensions.findIndex((x) => x.name === dest);
      if (idx !== -1) start = idx;
    }
    for (let i = start; i < context.extensions.length; i++) {
      const ext = context.extensions[i]!;
      const name = ext.name ?? 'UNKNOWN';
      this.#emit('debug', `Dialplan: ${this.#channel.name} parsing [${contextName}->${name}] continue=${ext.continueText ?? 'false'}`);
      const proceed = this.#evalList(ext.conditions, name, 0, true);
      if (proceed) matched.push(name);
      if (proceed && !switchTrue(ext.continueText)) break;
    }
    return this.#result(context.name, matched);
  }

  #result(context: string | undefined, matched: string[]): HuntResult {
    return {
      context,
      actions: this.#actions,
      matchedExtensions: matched,
      extensionName: this.#extensionName,
      log: this.#log,
    };
  }

  #emit(level: DialplanLogLevel, message: string): void {
    this.#log.push({ level, message });
  }

  /** One condition list (an extension's, or a condition's nested ones): FS parse_exten. */
  #evalList(conditions: readonly CompiledCondition[], extName: string, recur: number, requireNested: boolean): boolean {
    const chan = this.#channel.name;
    const space = indent(recur);
    const label = recur > 0 ? `${extName}_recur_${recur}` : extName;
    if (recur > 0) {
      if (recur > MAX_RECURSION) {
        this.#emit('error', 'Recursion LIMIT!');
        return false;
      }
      this.#emit('debug', `${space}Dialplan: Processing recursive conditions level:${recur} [${label}] require-nested=${requireNested ? 'TRUE' : 'FALSE'}`);
    }
    let proceed = false;
    for (const cond of conditions) {
      const breakLabel = cond.breakText ?? 'on-false';
      const timeMatch = checkTime(cond.time, this.#timeContext());
      let anti = true;
      if (timeMatch === 1) {
        this.#emit('debug', `${space}Dialplan: ${chan} Date/Time Match (PASS) [${label}] break=${breakLabel}`);
        anti = false;
        proceed = true;
      } else if (timeMatch === 0) {
        this.#emit('debug', `${space}Dialplan: ${chan} Date/TimeMatch (FAIL) [${label}] break=${breakLabel}`);
        proceed = false;
      }

      let source: MatchSource | undefined;
      if (cond.regexMode !== undefined) {
        const block = this.#evalRegexBlock(cond, space, label);
        proceed = block.pass;
        if (block.pass) anti = false;
        source = block.source;
      } else if (cond.field !== undefined) {
        const expr = this.#resolveExpression(cond.expression!);
        const fieldData = this.#fieldValue(cond.field);
        const match = this.#exec(expr, fieldData);
        proceed = match !== null;
        this.#emit('debug', `${space}Dialplan: ${chan} Regex (${proceed ? 'PASS' : 'FAIL'}) [${label}] ${cond.field}(${fieldData}) =~ /${expr.text}/ break=${breakLabel}`);
        if (proceed) anti = false;
        // ⚠ FS: captures only when the expression contains `(`.
        if (expr.text.includes('(')) source = { match };
      } else if (timeMatch === -1) {
        this.#emit('debug', `${space}Dialplan: ${chan} Absolute Condition [${label}]`);
        anti = false;
        proceed = true;
      }

      if (anti) {
        for (const a of cond.antiActions) {
          for (let n = a.loop; n > 0; n--) this.#queue('ANTI-Action', space, a.application, a.data, a.inline, extName);
          // ⚠ FS: a failing condition with an anti-action counts as matched.
          proceed = true;
        }
      } else {
        if (source) this.#channel.setVariable('DP_MATCH', source.match ? formatArrayVariable(matchCaptures(source.match)) : undefined);
        for (const a of cond.actions) {
          const data = source ? substituteCaptures(a.data, source.match) : a.data;
          for (let n = a.loop; n > 0; n--) this.#queue('Action', space, a.application, data, a.inline, extName);
        }
      }

      const mode = cond.breakMode;
      if ((!anti && mode === 'on-true') || (anti && mode === 'on-false') || mode === 'always') break;

      if (proceed && cond.nested.length > 0) {
        proceed = this.#evalList(cond.nested, extName, recur + 1, cond.requireNested);
        if (!proceed) {
          if (mode === 'never') continue;
          break;
        }
      }
    }
    return requireNested ? proceed : true;
  }

  /** A `regex="all|any|xor"` condition: its <regex> children, FS's early exits kept. */
  #evalRegexBlock(cond: CompiledCondition, space: string, label: string): { pass: boolean; source: MatchSource | undefined } {
    const chan = this.#channel.name;
    const mode = cond.regexMode!;
    const matchLabel = mode === 'all' ? 'all' : 'any';
    this.#clearRegexMatches(cond.regexes.length);
    let pass = 0;
    let fail = 0;
    let total = 0;
    let source: MatchSource | undefined;
    for (const item of cond.regexes) {
      total++;
      const timeMatch = checkTime(item.time, this.#timeContext());
      if (timeMatch === 1) this.#emit('debug', `${space}Dialplan: ${chan} Date/Time Match (PASS) [${label}]`);
      else if (timeMatch === 0) this.#emit('debug', `${space}Dialplan: ${chan} Date/TimeMatch (FAIL) [${label}]`);
      if (item.field !== undefined) {
        const expr = this.#resolveExpression(item.expression);
        const fieldData = this.#fieldValue(item.field);
        const match = this.#exec(expr, fieldData);
        this.#emit('debug', `${space}Dialplan: ${chan} Regex (${match ? 'PASS' : 'FAIL'}) [${label}] ${item.field}(${fieldData}) =~ /${expr.text}/ match=${matchLabel}`);
        if (expr.text.includes('(')) {
          this.#channel.setVariable(`DP_REGEX_MATCH_${total}`, match ? formatArrayVariable(matchCaptures(match)) : undefined);
          source = { match };
        }
        if (match) {
          pass++;
          if (mode === 'any') break;
        } else {
          fail++;
          if (mode === 'all') break;
        }
      } else if (timeMatch === -1) {
        this.#emit('debug', `${space}Dialplan: ${chan} Absolute Condition [${label}] match=${matchLabel}`);
        pass++;
        if (mode === 'any') break;
      } else if (timeMatch === 1) {
        pass++;
        if (mode === 'any') break;
      } else {
        fail++;
        if (mode === 'all') break;
      }
    }
    const ok = mode === 'xor' ? pass === 1 : mode === 'all' ? fail === 0 : pass > 0;
    return { pass: ok, source };
  }

  #clearRegexMatches(count: number): void {
    const ch = this.#channel;
    if (ch.unsetVariablesWithPrefix) {
      ch.unsetVariablesWithPrefix('DP_REGEX_MATCH');
      return;
    }
    for (let i = 1; i <= count; i++) ch.setVariable(`DP_REGEX_MATCH_${i}`, undefined);
  }

  #queue(kind: 'Action' | 'ANTI-Action', space: string, app: string, data: string, inline: boolean, extName: string): void {
    this.#emit('debug', `${space}Dialplan: ${this.#channel.name} ${kind} ${app}(${data})${inline ? ' INLINE' : ''}`);
    if (!inline) {
      this.#extensionName ??= extName;
      this.#actions.push({ app, data, extension: extName });
      return;
    }
    if (!INLINE_APPLICATIONS.has(app)) {
      this.#emit('error', `This application cannot be executed inline: ${app}`);
      return;
    }
    const run = this.#options.executeInline;
    if (!run) {
      this.#emit('error', `No inline executor: ${app}(${data}) skipped`);
      return;
    }
    try {
      run(app, data);
    } catch (err) {
      this.#emit('error', `Inline ${app}(${data}) failed: ${(err as Error).message}`);
    }
  }

  /** A bare name reads the caller profile (⚠ non-profile names read as empty); `$…` expands. */
  #fieldValue(field: string): string {
    if (field.includes('$')) return this.#channel.expand(field);
    const lower = field.toLowerCase();
    if (!PROFILE_FIELD_SET.has(lower)) return '';
    return this.#channel.callerProfile[lower as CallerProfileField] ?? '';
  }

  #resolveExpression(expr: CompiledExpression): { text: string; regex: RegExp | undefined } {
    if (expr.regex) return { text: expr.text, regex: expr.regex };
    const text = this.#channel.expand(expr.text);
    let cached = dynamicRegexCache.get(text);
    if (cached === undefined) {
      try {
        cached = compilePattern(text);
      } catch (err) {
        cached = err instanceof PatternError ? err : new PatternError(text, String(err));
      }
      if (dynamicRegexCache.size >= MAX_DYNAMIC_REGEXES) dynamicRegexCache.clear();
      dynamicRegexCache.set(text, cached);
    }
    if (cached instanceof PatternError) {
      this.#emit('error', `COMPILE ERROR: ${cached.message}`);
      return { text, regex: undefined };
    }
    return { text, regex: cached };
  }

  #exec(expr: { regex: RegExp | undefined }, value: string): RegExpExecArray | null {
    return expr.regex ? expr.regex.exec(value) : null;
  }

  #timeContext(): TimeContext {
    const tzoff = this.#channel.getVariable('tod_tz_offset');
    const tzname = this.#channel.getVariable('timezone');
    const localZone: ZoneSpec = this.#options.localTimezone
      ? { kind: 'name', name: this.#options.localTimezone }
      : { kind: 'local' };
    if (tzoff && isFsNumber(tzoff)) {
      const hours = atoi(tzoff);
      return { nowMs: this.#nowMs, zone: { kind: 'offset', hours }, todTzOffsetHours: hours, localZone };
    }
    if (tzname) {
      if (isKnownTimeZone(tzname)) {
        return { nowMs: this.#nowMs, zone: { kind: 'name', name: tzname }, todTzOffsetHours: undefined, localZone };
      }
      this.#emit('warn', `Unknown timezone ${tzname}, using local time`);
    }
    return { nowMs: this.#nowMs, zone: localZone, todTzOffsetHours: undefined, localZone };
  }
}

/** FS's indentation of nested-condition log lines: `|--- `, `|------- `… */
function indent(recur: number): string {
  if (recur === 0) return '';
  return `|${'-'.repeat(recur * 4 - 1)} `;
}
