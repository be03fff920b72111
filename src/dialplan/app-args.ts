// FreeSWITCH-style argument splitting, shared by the dialplan (inline lists, `cond`, `regex`)
// and by applications (`read 11 11 'tone_stream://…' digits 5000 #`). It mirrors FS's
// switch_separate_string: single quotes group (only when a closing quote follows), a backslash
// escapes the next character, `\n \r \t \s` are unescaped, leading/trailing spaces are trimmed,
// a leading `^^<c>` changes the delimiter, and at most `max` parts are made (the last one keeps
// the rest of the text). It knows nothing of channels or variables.

/** Default cap on the number of parts, so hostile input cannot build huge arrays. */
export const MAX_SEPARATED_PARTS = 1024;

/**
 * Split `text` on `delim` the way FreeSWITCH's switch_separate_string does.
 * A space delimiter collapses runs of spaces; any other delimiter keeps empty parts.
 */
export function separateString(text: string, delim: string, max = MAX_SEPARATED_PARTS): string[] {
  if (text === '' || max < 1) return [];
  let buf = text;
  let sep = delim;
  // `^^<c>` prefix: use <c> as the delimiter (e.g. `^^:a=1:b=2`).
  if (buf.startsWith('^^') && buf.length >= 4) {
    sep = buf[2]!;
    buf = buf.slice(3);
  }
  const raw = sep === ' ' ? splitBlank(buf, max) : splitChar(buf, sep, max);
  const cleanDelim = sep === ' ' ? '' : sep;
  return raw.map((part) => cleanupSeparated(part, cleanDelim));
}

/** Space-separated application arguments with quote grouping (`read 1 2 'a b' var`). */
export function splitArgs(text: string, max = MAX_SEPARATED_PARTS): string[] {
  return separateString(text, ' ', max);
}

/** FS switch_true: yes/on/true/t/enabled/active/allow (any case) or a non-zero number. */
export function switchTrue(value: string | undefined | null): boolean {
  if (value === undefined || value === null) return false;
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'on' || v === 'true' || v === 't' || v === 'enabled' || v === 'active' || v === 'allow') {
    return true;
  }
  return isFsNumber(value) && atoi(value) !== 0;
}

/** FS switch_is_number: optional sign, then only digits and dots (the empty string counts). */
export function isFsNumber(value: string): boolean {
  return /^[+-]?[0-9.]*$/.test(value);
}

/** C atoi: leading whitespace, optional sign, digits; 0 when there are none. */
export function atoi(value: string): number {
  const m = /^\s*([+-]?\d+)/.exec(value);
  if (!m) return 0;
  const n = Number.parseInt(m[1]!, 10);
  return Number.isFinite(n) ? n : 0;
}

function hasQuoteAfter(buf: string, i: number): boolean {
  return buf.indexOf("'", i + 1) !== -1;
}

function splitChar(buf: string, delim: string, max: number): string[] {
  const parts: string[] = [];
  let start = 0;
  let inQuotes = false;
  let needStart = true;
  let i = 0;
  while (i < buf.length) {
    if (needStart) {
      if (parts.length >= max - 1) {
        // The last allowed part takes the rest of the text unsplit.
        parts.push(buf.slice(i));
        return parts;
      }
      start = i;
      needStart = false;
    }
    const c = buf[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === "'" && (inQuotes || hasQuoteAfter(buf, i))) {
      inQuotes = !inQuotes;
    } else if (c === delim && !inQuotes) {
      parts.push(buf.slice(start, i));
      needStart = true;
    }
    i++;
  }
  if (!needStart) parts.push(buf.slice(start));
  return parts;
}

function splitBlank(buf: string, max: number): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < buf.length) {
    while (i < buf.length && buf[i] === ' ') i++;
    if (i >= buf.length) break;
    if (parts.length >= max - 1) {
      parts.push(buf.slice(i));
      return parts;
    }
    const start = i;
    let inQuotes = false;
    while (i < buf.length) {
      const c = buf[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === "'" && (inQuotes || hasQuoteAfter(buf, i))) inQuotes = !inQuotes;
      else if (c === ' ' && !inQuotes) break;
      i++;
    }
    parts.push(buf.slice(start, Math.min(i, buf.length)));
  }
  return parts;
}

const UNESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', s: ' ' };

/**
 * Split on `delim` outside single quotes, backslash escapes and `{…}` / `[…]` nesting (so
 * `${cond(a == b ? x : y)}` or `[a=1,b=2]` stay whole). Parts are returned raw, not cleaned.
 * Unlike separateString, empty parts are kept everywhere, including a trailing one.
 */
export function splitOutsideNesting(text: string, delim: string, max = MAX_SEPARATED_PARTS): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === "'" && (inQuotes || hasQuoteAfter(text, i))) {
      inQuotes = !inQuotes;
      continue;
    }
    if (inQuotes) continue;
    if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && depth > 0) depth--;
    else if (depth === 0 && text.startsWith(delim, i)) {
      if (parts.length >= max - 1) break;
      parts.push(text.slice(start, i));
      start = i + delim.length;
      i = start - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Remove quotes, resolve escapes, trim leading and (unquoted) trailing spaces (FS cleanup). */
export function cleanupSeparated(str: string, delim: string): string {
  let i = 0;
  while (i < str.length && str[i] === ' ') i++;
  let out = '';
  let keep = -1; // length of `out` to keep; -1 = keep all
  let inQuotes = false;
  for (; i < str.length; i++) {
    const c = str[i]!;
    if (c === '\\' && i + 1 < str.length) {
      const e = str[i + 1]!;
      const unescaped = UNESCAPES[e];
      if (e === "'" || e === '"' || (delim !== '' && e === delim) || e === '\\' || unescaped !== undefined) {
        out += unescaped ?? e;
        keep = out.length;
        i++;
        continue;
      }
    }
    if (c === "'" && (inQuotes || str.indexOf("'", i + 1) !== -1)) {
      inQuotes = !inQuotes;
      if (inQuotes) keep = out.length;
    } else {
      out += c;
      if (c !== ' ' || inQuotes) keep = out.length;
    }
  }
  return keep === -1 ? out : out.slice(0, keep);
}
