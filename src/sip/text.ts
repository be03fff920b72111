// Small lexical helpers shared by the header parsers: splitting on a separator outside quoted
// strings and angle brackets, generic `;name=value` parameter lists, quoted strings (RFC 3261
// §25.1), and the escaping rules of SIP URIs. All of them are allocation-light and never throw
// on odd input: the caller decides what is malformed.

const DQUOTE = 34; // "
const BACKSLASH = 92; // \
const LT = 60; // <
const GT = 62; // >

/**
 * Split `value` on `sep` where it is not inside a quoted string or `<…>`. Empty pieces are
 * kept (trimmed to ''), so a caller can reject `a,,b`. Returns undefined when a quote or an
 * angle bracket is left open.
 */
export function splitOutside(value: string, sep: number): string[] | undefined {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let angle = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === BACKSLASH) i++;
      else if (c === DQUOTE) inQuote = false;
    } else if (c === DQUOTE) inQuote = true;
    else if (c === LT) angle++;
    else if (c === GT) angle--;
    else if (c === sep && angle === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (inQuote || angle !== 0) return undefined;
  out.push(value.slice(start).trim());
  return out;
}

/** Index of `sep` outside quotes, from `from`; -1 when absent. */
export function indexOutsideQuotes(value: string, sep: number, from = 0): number {
  let inQuote = false;
  for (let i = from; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === BACKSLASH) i++;
      else if (c === DQUOTE) inQuote = false;
    } else if (c === DQUOTE) inQuote = true;
    else if (c === sep) return i;
  }
  return -1;
}

/** Parameters as an ordered map: lower-case name → value (null for a flag without `=`). */
export type Params = Map<string, string | null>;

/**
 * Parse `;a=1;b;c="x;y"` (the leading `;` optional). Names are lower-cased and trimmed, values
 * trimmed and kept as written (quotes included). Returns undefined for an empty element
 * (`;;`) or an empty name, which the grammar forbids.
 */
export function parseParams(text: string, from = 0): Params | undefined {
  const params: Params = new Map();
  return walkParams(text, from, params, null) === false ? undefined : params;
}

/** Whether a parameter list is well formed, without building anything. */
export function paramsValid(text: string, from = 0): boolean {
  return walkParams(text, from, null, null) !== false;
}

/**
 * One parameter's value straight from the text (`name` in lower case): a string, null for a
 * flag without `=`, undefined when absent. Used for `tag` and `branch` on every message, so no
 * map is built for them.
 */
export function findParam(text: string, name: string): string | null | undefined {
  const v = walkParams(text, 0, null, name, true);
  return v === false || v === true ? undefined : v;
}

/**
 * Validate a whole parameter list and pick one parameter's value on the way: false when the
 * list is malformed, true when it is fine and `name` is absent, else the value (null for a
 * flag). One walk where validation and a later lookup would take two.
 */
export function validateParamsFinding(text: string, name: string): string | null | boolean {
  return walkParams(text, 0, null, name, false);
}

/**
 * The one scanner behind the three above: walks `;name[=value]` elements, filling `into` when
 * given, stopping at `want` when given. Returns false for a malformed list, true when the
 * walk ended without finding `want`, or the wanted value.
 */
function walkParams(text: string, from: number, into: Params | null, want: string | null, stopAtWant = true): string | null | boolean {
  const n = text.length;
  let found: string | null | boolean = true;
  let i = skipWs(text, from, n);
  if (i >= n) return true;
  if (text.charCodeAt(i) !== 59 /* ; */) {
    // A list that does not start with ';' is accepted from a caller that stripped it.
    i--;
  }
  while (i < n) {
    // at a ';' (or just before the first name)
    i = skipWs(text, i + 1, n);
    const nameStart = i;
    let upper = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 61 /* = */ || c === 59 || c === 32 || c === 9) break;
      if (c >= 65 && c <= 90) upper = true;
      i++;
    }
    if (i === nameStart) return false; // empty element (`;;`) or empty name
    const nameEnd = i;
    let wanted = false;
    if (want !== null && nameEnd - nameStart === want.length) {
      wanted = upper ? text.slice(nameStart, nameEnd).toLowerCase() === want : text.startsWith(want, nameStart);
    }
    i = skipWs(text, i, n);
    if (i >= n || text.charCodeAt(i) === 59) {
      if (wanted) {
        if (stopAtWant) return null;
        found = null;
      }
      if (into) into.set(paramName(text, nameStart, nameEnd, upper), null);
      continue;
    }
    if (text.charCodeAt(i) !== 61) return false; // `a b` without '='
    i = skipWs(text, i + 1, n);
    const valueStart = i;
    let inQuote = false;
    let angle = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (inQuote) {
        if (c === BACKSLASH) i++;
        else if (c === DQUOTE) inQuote = false;
      } else if (c === DQUOTE) inQuote = true;
      else if (c === LT) angle++;
      else if (c === GT) angle--;
      else if (c === 59 && angle <= 0) break;
      i++;
    }
    if (inQuote) return false;
    let valueEnd = i;
    while (valueEnd > valueStart && isWs(text.charCodeAt(valueEnd - 1))) valueEnd--;
    if (wanted) {
      if (stopAtWant) return text.slice(valueStart, valueEnd);
      found = text.slice(valueStart, valueEnd);
    }
    if (into) into.set(paramName(text, nameStart, nameEnd, upper), text.slice(valueStart, valueEnd));
  }
  return found;
}

function paramName(text: string, start: number, end: number, upper: boolean): string {
  const name = text.slice(start, end);
  return upper ? name.toLowerCase() : name;
}

/**
 * Parameters kept as the text they arrived in until someone needs the map: most messages are
 * read for a tag or a branch only. Writing through `map` switches to the map for good.
 */
export class LazyParams {
  #text: string;
  #map: Params | null;
  /** One value already known from the text (tag, branch), answered without a walk. */
  #knownName: string | undefined;
  #knownValue: string | null | undefined;

  constructor(source: Params | string | undefined, known?: { name: string; value: string | null | undefined }) {
    if (typeof source === 'string') {
      this.#text = source;
      this.#map = null;
    } else {
      this.#text = '';
      this.#map = source ?? new Map();
    }
    if (known) {
      this.#knownName = known.name;
      this.#knownValue = known.value;
    }
  }

  get map(): Params {
    if (this.#map === null) this.#map = parseParams(this.#text) ?? new Map();
    return this.#map;
  }

  set map(m: Params) {
    this.#map = m;
  }

  get(name: string): string | null | undefined {
    if (this.#map !== null) return this.#map.get(name);
    if (name === this.#knownName) return this.#knownValue;
    return findParam(this.#text, name);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  toString(): string {
    return this.#map !== null ? formatParams(this.#map) : this.#text;
  }
}

function isWs(c: number): boolean {
  return c === 32 || c === 9;
}

function skipWs(text: string, i: number, n: number): number {
  while (i < n && isWs(text.charCodeAt(i))) i++;
  return i;
}

/** Write parameters back as `;a=1;b`. */
export function formatParams(params: Params | undefined): string {
  if (!params || params.size === 0) return '';
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}

/** `"a \"b\""` → `a "b"`; a value without quotes is returned trimmed. */
export function unquote(value: string): string {
  const s = value.trim();
  if (s.length < 2 || s.charCodeAt(0) !== DQUOTE || s.charCodeAt(s.length - 1) !== DQUOTE) return s;
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length - 1) {
      out += s[i + 1];
      i++;
    } else out += c;
  }
  return out;
}

/** Quote a string for a quoted-string production, escaping `"` and `\`. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}

/** Decode %HH escapes once; malformed escapes are left as they are. NULs survive (escnull). */
export function unescapeUri(s: string): string {
  if (s.indexOf('%') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%' && i + 2 < s.length + 0 && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += c;
  }
  return out;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** RFC 3261 token characters: alphanum and `-.!%*_+\`'~`. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ||
      c === 45 || c === 46 || c === 33 || c === 37 || c === 42 || c === 95 || c === 43 || c === 96 || c === 39 || c === 126;
    if (!ok) return false;
  }
  return true;
}

/** Collapse linear white space runs to one space and trim (after line unfolding). */
export function collapseLws(s: string): string {
  return s.replace(/[ \t]+/g, ' ').trim();
}
