// Compile the dialplan section (each <context> as an XmlElement tree from config/) into an
// immutable structure that hunting walks without touching XML again. Expressions without a
// `${…}` are compiled to RegExps here, so a regex that does not compile fails reloadxml with the
// element's file:line:col (FS would only log it per call). Odd but legal input (unknown break
// values, field plus time attributes, shadowed contexts) is accepted as FS does, with a warning.

import { ConfigError } from '../common/index.js';
import type { SourcePosition, XmlElement } from '../config/index.js';
import { atoi, switchTrue } from './app-args.js';
import { expandVariables } from './expand.js';
import { compilePattern, PatternError } from './pcre.js';
import { extractTimeSpec, validateTimeSpec, type TimeSpec } from './time-match.js';

export type BreakMode = 'on-false' | 'on-true' | 'always' | 'never';
export type RegexMode = 'all' | 'any' | 'xor';

/** A condition's expression: precompiled when it holds no `${…}`, else compiled per call. */
export interface CompiledExpression {
  /** As written (after the compile-time escape pass for static ones). */
  readonly text: string;
  /** Present when `text` needs no run-time expansion. */
  readonly regex: RegExp | undefined;
}

export interface CompiledAction {
  readonly application: string;
  readonly data: string;
  readonly inline: boolean;
  /** How many times it is queued (FS `loop`, atoi; absent = 1, `0` = never). */
  readonly loop: number;
  readonly pos: SourcePosition;
}

/** One `<regex>` child of a `regex="all|any|xor"` condition. */
export interface CompiledRegexItem {
  readonly field: string | undefined;
  readonly expression: CompiledExpression;
  readonly time: TimeSpec | undefined;
  readonly pos: SourcePosition;
}

export interface CompiledCondition {
  readonly field: string | undefined;
  /** Absent on a bare or time-only condition. */
  readonly expression: CompiledExpression | undefined;
  readonly breakMode: BreakMode;
  /** The attribute when valid (FS logs it as written), else undefined (logged as on-false). */
  readonly breakText: string | undefined;
  readonly time: TimeSpec | undefined;
  readonly regexMode: RegexMode | undefined;
  readonly regexes: readonly CompiledRegexItem[];
  /** `require-nested` on this condition (applies to its nested conditions). */
  readonly requireNested: boolean;
  readonly actions: readonly CompiledAction[];
  readonly antiActions: readonly CompiledAction[];
  readonly nested: readonly CompiledCondition[];
  readonly pos: SourcePosition;
}

export interface CompiledExtension {
  /** `name` attribute (FS logs a missing one as UNKNOWN and queues under `_anon_`). */
  readonly name: string | undefined;
  /** `continue` attribute as written. */
  readonly continueText: string | undefined;
  readonly conditions: readonly CompiledCondition[];
  readonly pos: SourcePosition;
}

export interface CompiledContext {
  readonly name: string;
  readonly extensions: readonly CompiledExtension[];
  readonly pos: SourcePosition;
}

export interface DialplanWarning {
  readonly message: string;
  readonly pos: SourcePosition;
}

export interface CompiledDialplan {
  /** First context of each name (FS: the first in document order wins). */
  readonly contexts: ReadonlyMap<string, CompiledContext>;
  readonly warnings: readonly DialplanWarning[];
}

/** Deepest nesting of <condition> accepted (FS stops recursing at 100). */
const MAX_NESTING = 100;

/**
 * Compile the dialplan contexts. `contexts` maps a context name to every <context> element of
 * that name in document order. Throws ConfigError (with file:line:col) on a bad regex.
 */
export function compileDialplan(contexts: ReadonlyMap<string, readonly XmlElement[]>): CompiledDialplan {
  const warnings: DialplanWarning[] = [];
  const compiled = new Map<string, CompiledContext>();
  for (const [name, elements] of contexts) {
    elements.forEach((el, index) => {
      const ctx = compileContext(name, el, warnings);
      if (index === 0) compiled.set(name, ctx);
      else warnings.push({ message: `context "${name}" is defined again; the first definition wins`, pos: el.pos });
    });
  }
  return Object.freeze({ contexts: compiled, warnings: Object.freeze(warnings) });
}

function compileContext(name: string, el: XmlElement, warnings: DialplanWarning[]): CompiledContext {
  const extensions = el.children.filter((c) => c.name === 'extension').map((x) => compileExtension(x, warnings));
  return Object.freeze({ name, extensions: Object.freeze(extensions), pos: el.pos });
}

function compileExtension(el: XmlElement, warnings: DialplanWarning[]): CompiledExtension {
  const conditions = el.children.filter((c) => c.name === 'condition').map((c) => compileCondition(c, warnings, 1));
  return Object.freeze({
    name: el.attrs['name'],
    continueText: el.attrs['continue'],
    conditions: Object.freeze(conditions),
    pos: el.pos,
  });
}

function parseBreak(el: XmlElement, warnings: DialplanWarning[]): { mode: BreakMode; text: string | undefined } {
  const raw = el.attrs['break'];
  if (raw === undefined) return { mode: 'on-false', text: undefined };
  const lower = raw.toLowerCase();
  if (lower === 'on-false' || lower === 'on-true' || lower === 'always' || lower === 'never') {
    return { mode: lower, text: raw };
  }
  warnings.push({ message: `unknown break="${raw}" acts as on-false`, pos: el.pos });
  return { mode: 'on-false', text: undefined };
}

/** `<expression>` child text (CDATA allowed) wins over the `expression` attribute. */
function expressionSource(el: XmlElement): { text: string; pos: SourcePosition } | undefined {
  const child = el.children.find((c) => c.name === 'expression');
  if (child) return { text: child.text.trim(), pos: child.pos };
  const attr = el.attrs['expression'];
  return attr === undefined ? undefined : { text: attr, pos: el.pos };
}

/**
 * FS expands the expression at hunt time. Without `${` the expansion only resolves escapes
 * (`\$` → `$`), which we can do once here and precompile the result.
 */
function compileExpression(text: string, pos: SourcePosition): CompiledExpression {
  if (text.includes('${')) return Object.freeze({ text, regex: undefined });
  const resolved = expandVariables(text, { getVariable: () => undefined, callApi: () => undefined });
  try {
    return Object.freeze({ text: resolved, regex: compilePattern(resolved) });
  } catch (err) {
    if (err instanceof PatternError) {
      throw new ConfigError(`dialplan ${err.message}`, pos, { cause: err });
    }
    throw err;
  }
}

function compileAction(el: XmlElement): CompiledAction {
  const text = el.text.trim();
  const loopAttr = el.attrs['loop'];
  const inlineAttr = el.attrs['inline'];
  return Object.freeze({
    application: el.attrs['application'] ?? '',
    data: text !== '' ? text : el.attrs['data'] ?? '',
    inline: inlineAttr !== undefined && switchTrue(inlineAttr),
    loop: loopAttr === undefined ? 1 : atoi(loopAttr),
    pos: el.pos,
  });
}

function compileCondition(el: XmlElement, warnings: DialplanWarning[], depth: number): CompiledCondition {
  if (depth > MAX_NESTING) {
    throw new ConfigError(`conditions nested deeper than ${MAX_NESTING} levels`, el.pos);
  }
  const brk = parseBreak(el, warnings);
  const time = extractTimeSpec(el.attrs);
  if (time) {
    for (const problem of validateTimeSpec(time)) warnings.push({ message: problem, pos: el.pos });
  }
  const field = el.attrs['field'];
  const regexAttr = el.attrs['regex'];
  let regexMode: RegexMode | undefined;
  const regexes: CompiledRegexItem[] = [];
  let expression: CompiledExpression | undefined;

  if (regexAttr !== undefined) {
    const lower = regexAttr.toLowerCase();
    regexMode = lower === 'all' || lower === 'xor' ? lower : 'any';
    if (lower !== 'all' && lower !== 'xor' && lower !== 'any') {
      warnings.push({ message: `unknown regex="${regexAttr}" acts as any`, pos: el.pos });
    }
    for (const r of el.children.filter((c) => c.name === 'regex')) {
      const src = expressionSource(r) ?? { text: '', pos: r.pos };
      const rTime = extractTimeSpec(r.attrs);
      if (rTime) {
        for (const problem of validateTimeSpec(rTime)) warnings.push({ message: problem, pos: r.pos });
      }
      regexes.push(
        Object.freeze({ field: r.attrs['field'], expression: compileExpression(src.text, src.pos), time: rTime, pos: r.pos }),
      );
    }
  } else {
    const src = expressionSource(el);
    if (field !== undefined) {
      expression = compileExpression(src?.text ?? '', src?.pos ?? el.pos);
      if (time) {
        warnings.push({
          message: 'condition has both field and time attributes: FS queues its actions if either matches, but only the field decides whether the extension matched',
          pos: el.pos,
        });
      }
    } else if (src !== undefined) {
      warnings.push({ message: 'expression without field is ignored (the condition always passes)', pos: el.pos });
    }
  }

  const requireAttr = el.attrs['require-nested'];
  return Object.freeze({
    field,
    expression,
    breakMode: brk.mode,
    breakText: brk.text,
    time,
    regexMode,
    regexes: Object.freeze(regexes),
    requireNested: requireAttr === undefined ? true : switchTrue(requireAttr),
    actions: Object.freeze(el.children.filter((c) => c.name === 'action').map(compileAction)),
    antiActions: Object.freeze(el.children.filter((c) => c.name === 'anti-action').map(compileAction)),
    nested: Object.freeze(el.children.filter((c) => c.name === 'condition').map((c) => compileCondition(c, warnings, depth + 1))),
    pos: el.pos,
  });
}
