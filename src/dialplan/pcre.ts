// PCRE-flavoured dialplan expressions turned into JavaScript RegExps, the way FreeSWITCH's
// switch_regex_perform reads them: `/re/flags` (only `i` and `s` count), a leading `_` for an
// Asterisk pattern (N=[2-9], X=[0-9], Z=[1-9], `.`=`.*`, anchored both ends), otherwise PCRE.
// PCRE syntax JS lacks is translated where the meaning is the same (\A \z \Z, `$` before a
// final newline, (?P<n>…), \Q…\E, POSIX classes, leading (?i)); constructs with no safe
// translation (possessive quantifiers, atomic groups, recursion, mid-pattern flags) are errors.

import { SoftswitchError } from '../common/index.js';

/** A dialplan expression that is not a valid (or supported) regular expression. */
export class PatternError extends SoftswitchError {
  readonly expression: string;

  constructor(expression: string, reason: string) {
    super('ERR_DIALPLAN_REGEX', `regex /${expression}/ does not compile: ${reason}`);
    this.expression = expression;
  }
}

/** FS switch_ast2regex: `_NXXXXXX` → `^[2-9][0-9]{…}$`; other characters pass through. */
export function asteriskToRegex(pattern: string): string {
  let out = '^';
  for (const c of pattern) {
    if (c === 'N') out += '[2-9]';
    else if (c === 'X') out += '[0-9]';
    else if (c === 'Z') out += '[1-9]';
    else if (c === '.') out += '.*';
    else out += c;
  }
  return `${out}$`;
}

/** Compile a dialplan expression (already variable-expanded) to a RegExp, or throw PatternError. */
export function compilePattern(expression: string): RegExp {
  let body = expression;
  if (body.startsWith('_')) body = asteriskToRegex(body.slice(1));
  let flags = '';
  if (body.startsWith('/')) {
    const end = body.lastIndexOf('/');
    if (end <= 0) throw new PatternError(expression, "missing ending '/' delimiter");
    const opts = body.slice(end + 1);
    body = body.slice(1, end);
    if (opts.includes('i')) flags += 'i';
    if (opts.includes('s')) flags += 's';
  }
  const translated = translatePcre(expression, body, flags);
  try {
    return new RegExp(translated.source, translated.flags);
  } catch (err) {
    throw new PatternError(expression, (err as Error).message.replace(/^Invalid regular expression: /, ''));
  }
}

const HSPACE = '\\t \\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';
const VSPACE = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029';

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  xdigit: '0-9A-Fa-f',
  space: '\\t\\n\\x0B\\f\\r ',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  word: '\\w',
  cntrl: '\\x00-\\x1F\\x7F',
  print: '\\x20-\\x7E',
  graph: '\\x21-\\x7E',
};

/** Escapes PCRE knows that mean the same in a JS RegExp without the `u` flag. */
const SAME_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 'b', 'B', 'n', 'r', 't', 'f', 'c', 'x']);

interface Translated {
  source: string;
  flags: string;
}

function translatePcre(original: string, pattern: string, initialFlags: string): Translated {
  const fail = (reason: string): never => {
    throw new PatternError(original, reason);
  };
  let flags = initialFlags;
  let i = 0;
  // Leading inline option settings such as (?i) or (?is) become RegExp flags.
  for (;;) {
    const m = /^\(\?([a-zA-Z]+)\)/.exec(pattern.slice(i));
    if (!m) break;
    for (const f of m[1]!) {
      if (f === 'i' || f === 's' || f === 'm') {
        if (!flags.includes(f)) flags += f;
      } else {
        fail(`inline option (?${f}) is not supported`);
      }
    }
    i += m[0].length;
  }
  const multiline = flags.includes('m');
  let out = '';
  let inClass = false;
  let classStart = false; // just after `[` or `[^`
  let groups = 0;
  /** Whether the last emitted item can take a quantifier (used to spot possessive `++`). */
  let afterQuantifier = false;

  while (i < pattern.length) {
    const c = pattern[i]!;
    if (inClass) {
      if (c === ']' && !classStart) {
        out += ']';
        inClass = false;
        i++;
        continue;
      }
      classStart = false;
      if (c === ']') {
        out += '\\]';
        i++;
        continue;
      }
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end !== -1) {
          const name = pattern.slice(i + 2, end);
          if (name.startsWith('^')) fail(`negated POSIX class [:${name}:] is not supported`);
          const cls = POSIX_CLASSES[name];
          if (cls === undefined) fail(`unknown POSIX class [:${name}:]`);
          out += cls;
          i = end + 2;
          continue;
        }
      }
      if (c === '[') {
        out += '\\[';
        i++;
        continue;
      }
      if (c === '\\') {
        const { text, next } = translateEscape(pattern, i, true, groups, fail);
        out += text;
        i = next;
        continue;
      }
      out += c;
      i++;
      continue;
    }

    if (afterQuantifier && c === '+') fail('possessive quantifiers are not supported');
    afterQuantifier = false;

    switch (c) {
      case '\\': {
        const { text, next } = translateEscape(pattern, i, false, groups, fail);
        out += text;
        i = next;
        continue;
      }
      case '[': {
        inClass = true;
        classStart = true;
        out += '[';
        i++;
        if (pattern[i] === '^') {
          out += '^';
          i++;
        }
        continue;
      }
      case '(': {
        const g = translateGroupOpen(pattern, i, fail);
        if (g.capturing) groups++;
        out += g.text;
        i = g.next;
        continue;
      }
      case '$':
        // PCRE's `$` also matches before a final newline (like \Z) unless in multiline mode.
        out += multiline ? '$' : '(?=\\n?(?![\\s\\S]))';
        i++;
        continue;
      case '*':
      case '+':
      case '?':
        out += c;
        i++;
        if (pattern[i] === '?') {
          out += '?';
          i++;
        } else {
          afterQuantifier = true;
        }
        continue;
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (m) {
          out += m[0];
          i += m[0].length;
          if (pattern[i] === '?') {
            out += '?';
            i++;
          } else {
            afterQuantifier = true;
          }
        } else {
          out += '\\{';
          i++;
        }
        continue;
      }
      case '}':
        out += '\\}';
        i++;
        continue;
      default:
        out += c;
        i++;
    }
  }
  if (inClass) fail('missing terminating ] for character class');
  return { source: out, flags };
}

interface EscapeResult {
  text: string;
  next: number;
}

function translateEscape(
  pattern: string,
  i: number,
  inClass: boolean,
  groupsSoFar: number,
  fail: (reason: string) => never,
): EscapeResult {
  const e = pattern[i + 1];
  if (e === undefined) fail('\\ at end of pattern');
  const two = (text: string): EscapeResult => ({ text, next: i + 2 });
  const outsideOnly = (text: string): EscapeResult => {
    if (inClass) fail(`\\${e} is not allowed in a character class`);
    return { text, next: i + 2 };
  };
  switch (e) {
    case 'A':
      return outsideOnly('(?<![\\s\\S])');
    case 'z':
      return outsideOnly('(?![\\s\\S])');
    case 'Z':
      return outsideOnly('(?=\\n?(?![\\s\\S]))');
    case 'G':
    case 'K':
    case 'X':
    case 'C':
      return fail(`\\${e} is not supported`);
    case 'R':
      return inClass ? fail('\\R is not allowed in a character class') : two(`(?:\\r\\n|[${VSPACE}])`);
    case 'h':
      return two(inClass ? HSPACE : `[${HSPACE}]`);
    case 'H':
      return inClass ? fail('\\H is not supported in a character class') : two(`[^${HSPACE}]`);
    case 'v':
      return two(inClass ? VSPACE : `[${VSPACE}]`);
    case 'V':
      return inClass ? fail('\\V is not supported in a character class') : two(`[^${VSPACE}]`);
    case 'N':
      return inClass ? fail('\\N is not allowed in a character class') : two('[^\\n]');
    case 'e':
      return two('\\x1B');
    case 'a':
      return two('\\x07');
    case 'p':
    case 'P':
      return fail('Unicode property escapes (\\p, \\P) are not supported');
    case 'Q': {
      const end = pattern.indexOf('\\E', i + 2);
      const literal = pattern.slice(i + 2, end === -1 ? pattern.length : end);
      const escaped = literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
      return { text: escaped, next: end === -1 ? pattern.length : end + 2 };
    }
    case 'E':
      return { text: '', next: i + 2 };
    case 'x': {
      if (pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i + 3);
        const hex = close === -1 ? '' : pattern.slice(i + 3, close);
        if (!/^[0-9a-fA-F]{1,4}$/.test(hex)) fail(`unsupported escape \\x{${hex}}`);
        return { text: `\\u${hex.padStart(4, '0')}`, next: close + 1 };
      }
      return two('\\x');
    }
    case 'g': {
      if (inClass) fail('\\g is not allowed in a character class');
      const m = /^\\g(?:\{(-?\d+)\}|(-?\d+)|\{([A-Za-z_]\w*)\})/.exec(pattern.slice(i));
      if (!m) return fail('malformed \\g reference');
      if (m[3] !== undefined) return { text: `\\k<${m[3]}>`, next: i + m[0].length };
      let n = Number.parseInt(m[1] ?? m[2]!, 10);
      if (n < 0) n = groupsSoFar + 1 + n;
      if (n <= 0) fail('invalid relative back reference');
      return { text: `(?:\\${n})`, next: i + m[0].length };
    }
    case 'k': {
      const m = /^\\k(?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)'|\{([A-Za-z_]\w*)\})/.exec(pattern.slice(i));
      if (!m) return fail('malformed \\k reference');
      return { text: `\\k<${m[1] ?? m[2] ?? m[3]}>`, next: i + m[0].length };
    }
    case 'o':
      return fail('\\o{…} octal escapes are not supported');
    case 'u':
      return fail('PCRE does not support \\u');
    default:
      break;
  }
  if (SAME_ESCAPES.has(e)) {
    if (e === 'c') return { text: pattern.slice(i, i + 3), next: i + 3 };
    return two(`\\${e}`);
  }
  if (/[0-9]/.test(e)) {
    // Back references and octal escapes read the same in JS (Annex B) for our purposes.
    const m = /^\\\d+/.exec(pattern.slice(i))!;
    return { text: m[0], next: i + m[0].length };
  }
  if (/[A-Za-z]/.test(e)) fail(`unrecognized escape \\${e}`);
  // Any other escaped character is that literal character.
  return two(`\\${e}`);
}

interface GroupOpen {
  text: string;
  next: number;
  capturing: boolean;
}

function translateGroupOpen(pattern: string, i: number, fail: (reason: string) => never): GroupOpen {
  if (pattern[i + 1] === '*') fail('backtracking control verbs (*…) are not supported');
  if (pattern[i + 1] !== '?') return { text: '(', next: i + 1, capturing: true };
  const rest = pattern.slice(i + 2);
  if (rest.startsWith('#')) {
    const close = pattern.indexOf(')', i);
    if (close === -1) fail('missing ) after comment');
    return { text: '', next: close + 1, capturing: false };
  }
  if (rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!') || rest.startsWith('<=') || rest.startsWith('<!')) {
    return { text: '(?', next: i + 2, capturing: false };
  }
  let m = /^(?:P<|<|')([A-Za-z_]\w*)[>']/.exec(rest);
  if (m) return { text: `(?<${m[1]}>`, next: i + 2 + m[0].length, capturing: true };
  m = /^P=([A-Za-z_]\w*)\)/.exec(rest);
  if (m) return { text: `\\k<${m[1]}>`, next: i + 2 + m[0].length, capturing: false };
  if (rest.startsWith('>')) fail('atomic groups (?>…) are not supported');
  if (rest.startsWith('|')) fail('branch reset groups (?|…) are not supported');
  if (rest.startsWith('(')) fail('conditional groups (?(…)…) are not supported');
  if (/^(?:R|[+-]?\d+|&|P>)/.test(rest)) fail('recursion and subroutine calls are not supported');
  if (/^[a-zA-Z^-]+[:)]/.test(rest)) fail('inline options are only supported at the start of the pattern');
  return fail(`unsupported group (?${rest.slice(0, 3)}`);
}

/** Highest capture number FS substitutes (`$257` and above insert nothing). */
const MAX_CAPTURE_NUMBER = 256;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * FS switch_perform_substitution: replace `$N` and `${N}` (N decimal, `$0` = whole match) in
 * `data` with the captures of `match`; a missing group (or no match) inserts nothing. `$` not
 * followed by digits, and `${name}` with a non-digit name, stay for run-time expansion.
 */
export function substituteCaptures(data: string, match: RegExpExecArray | null): string {
  let out = '';
  let i = 0;
  while (i < data.length) {
    const c = data[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    let j = i + 1;
    const brace = data[j] === '{';
    if (brace) j++;
    if (!isDigit(data[j])) {
      out += '$';
      i++;
      continue;
    }
    let k = j;
    // FS reads at most 9 digits; any further digits are copied as text.
    while (isDigit(data[k]) && k - j < 9) k++;
    const num = Number.parseInt(data.slice(j, k), 10);
    if (brace) {
      if (data[k] !== '}') {
        out += data.slice(i, k);
        i = k;
        continue;
      }
      k++;
    }
    if (num <= MAX_CAPTURE_NUMBER) out += match?.[num] ?? '';
    i = k;
  }
  return out;
}

/**
 * The captures FS stores in DP_MATCH / DP_REGEX_MATCH_n: groups 0 … highest set group,
 * skipping groups that did not take part in the match (as PCRE2 reports them).
 */
export function matchCaptures(match: RegExpExecArray): string[] {
  let last = match.length - 1;
  while (last > 0 && match[last] === undefined) last--;
  const captures: string[] = [];
  for (let g = 0; g <= last; g++) {
    const v = match[g];
    if (v !== undefined) captures.push(v);
  }
  return captures;
}
