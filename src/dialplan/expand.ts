// Run-time `${…}` expansion (FS switch_channel_expand_variables): `${name}`, substrings
// `${name:offset[:length]}` (negative offset counts from the end), array elements `${name[i]}`
// of FS array variables (`ARRAY::a|:b`), nested `${a_${b}}`, API calls `${api args}` and
// `${api(args)}`, `\$` for a literal `$`, recursion depth 100. `$${…}` (pre-processor syntax)
// is left as written. Variable lookup and API calls are injected: this module knows no channel.

/** What expansion needs from its caller. */
export interface ExpandEnv {
  /** A variable's value (scope → channel → caller profile → globals), undefined when unset. */
  getVariable(name: string): string | undefined;
  /** Run an API; undefined when there is no such API (the expansion is then empty). */
  callApi(name: string, args: string): string | undefined;
}

/** FS gives up (returns the text unexpanded) past this depth. */
export const MAX_EXPANSION_DEPTH = 100;

const ARRAY_PREFIX = 'ARRAY::';
const ARRAY_SEPARATOR = '|:';

/** Split an FS array variable (`ARRAY::a|:b`); a plain value is a one-element array. */
export function parseArrayVariable(value: string): string[] {
  if (!value.startsWith(ARRAY_PREFIX)) return [value];
  return value.slice(ARRAY_PREFIX.length).split(ARRAY_SEPARATOR);
}

/** Build an FS array variable from its elements (one element stays a plain value, as FS does). */
export function formatArrayVariable(elements: readonly string[]): string {
  if (elements.length === 1) return elements[0]!;
  return ARRAY_PREFIX + elements.join(ARRAY_SEPARATOR);
}

/** True when expansion could change `text` (FS: var check or escaped data). */
export function needsExpansion(text: string): boolean {
  return text.includes('${') || text.includes('\\$') || text.includes("\\'");
}

/** Expand `${…}` in `text`. Never throws for any input. */
export function expandVariables(text: string, env: ExpandEnv, depth = 0): string {
  if (depth > MAX_EXPANSION_DEPTH || !needsExpansion(text)) return text;
  const n = text.length;
  let out = '';
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '$') {
        // `\$` is a literal `$` (FS also swallows a second `$` right after it).
        out += '$';
        i += text[i + 2] === '$' ? 3 : 2;
        continue;
      }
      if (next === "'") {
        // FS drops an escaped single quote entirely.
        i += 2;
        continue;
      }
      if (next === '\\') {
        out += '\\';
        i += 2;
        continue;
      }
      out += c;
      i++;
      continue;
    }
    if (c === '$' && text[i + 1] === '$' && text[i + 2] === '{') {
      // Pre-processor `$${name}`: not ours at run time, copy it through untouched.
      const end = findClose(text, i + 3);
      out += text.slice(i, end.next);
      i = end.next;
      continue;
    }
    if (c !== '$' || text[i + 1] !== '{') {
      out += c;
      i++;
      continue;
    }
    const { body, next } = findClose(text, i + 2);
    out += expandOne(body, env, depth);
    i = next;
  }
  return out;
}

/**
 * Find the `}` closing a `${` whose body starts at `start`, counting nested `{}` as FS does.
 * An unterminated body runs to the end of the text.
 */
function findClose(text: string, start: number): { body: string; next: number } {
  let br = 1;
  for (let e = start; e < text.length; e++) {
    const ch = text[e];
    if (br === 1 && ch === '}') return { body: text.slice(start, e), next: e + 1 };
    if (e !== start && ch === '{') br++;
    else if (br > 1 && ch === '}') br--;
  }
  return { body: text.slice(start), next: text.length };
}

function expandOne(body: string, env: ExpandEnv, depth: number): string {
  // A space or `(` in the (unexpanded) name makes it an API call.
  let split = -1;
  let paren = false;
  for (let k = 0; k < body.length; k++) {
    if (body[k] === ' ') {
      split = k;
      break;
    }
    if (body[k] === '(') {
      split = k;
      paren = true;
      break;
    }
  }
  if (split !== -1) {
    const apiName = body.slice(0, split).replace(/ +$/, '');
    let rawArgs = body.slice(split + 1);
    let br = paren ? 1 : 0;
    for (let e = 0; e < rawArgs.length; e++) {
      const ch = rawArgs[e];
      if (ch === '(') br++;
      else if (br > 1 && ch === ')') br--;
      else if (br === 1 && ch === ')') {
        rawArgs = rawArgs.slice(0, e);
        break;
      }
    }
    const name = expandVariables(apiName, env, depth + 1);
    const args = expandVariables(rawArgs, env, depth + 1);
    return env.callApi(name, args) ?? '';
  }

  let name = expandVariables(body, env, depth + 1);
  let offset = 0;
  let length = 0;
  const colon = name.indexOf(':');
  if (colon !== -1) {
    const rest = name.slice(colon + 1);
    name = name.slice(0, colon);
    offset = atoiLoose(rest);
    const colon2 = rest.indexOf(':');
    if (colon2 !== -1) length = atoiLoose(rest.slice(colon2 + 1));
  }
  let index = -1;
  const bracket = name.indexOf('[');
  if (bracket !== -1 && name.indexOf(']', bracket) !== -1) {
    index = atoiLoose(name.slice(bracket + 1));
    name = name.slice(0, bracket);
  }

  let value = env.getVariable(name);
  if (value === undefined) return '';
  if (index >= 0) {
    const elements = parseArrayVariable(value);
    value = elements[index];
    if (value === undefined) return '';
  }
  if (offset >= 0) value = value.slice(offset);
  else if (-offset <= value.length) value = value.slice(value.length + offset);
  if (length > 0 && length < value.length) value = value.slice(0, length);
  return value;
}

function atoiLoose(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}
