// The FreeSWITCH config pre-processor (spec §1.2): a line-based pass that runs before any XML
// parsing. For each line, in order: lines containing `<include>`, `</include>` or `<?` are
// dropped; `$${name}` is replaced by the global variable; a line holding `<X-PRE-PROCESS
// cmd=… data=…/>` (tag name case-insensitive) runs the command and emits nothing; the comment
// forms `<!--#set "a=b"-->` / `<!--#include "f"-->` run too. Every emitted line is recorded
// in a LineMap so later errors point at the original file:line:col.
//
// Like FreeSWITCH, a directive inside an XML comment still runs (the pre-processor does not
// see comments): authors disable one by renaming the tag (`X-NO-PRE-PROCESS`), which then
// passes through as an unknown element. Deliberate deviations from FreeSWITCH:
//  - `$${name}` of a variable that is neither set nor built in is a ConfigError ("unknown
//    variable") instead of silently becoming "" (inside an XML comment it still becomes "");
//  - an include whose pattern has no glob characters and matches no file is a ConfigError (a
//    pattern with `*`/`?`/`[` that matches nothing is fine, as in FreeSWITCH);
//  - an include loop is reported as such instead of recursing to the depth limit (100);
//  - `exec`, `exec-set` and `stun-set` are refused: loading config never runs a shell command
//    or a network lookup here;
//  - a directive must be written on one line, and must have cmd and data attributes.

import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigError } from '../common/index.js';
import { silentLogger, type Logger } from '../common/index.js';
import { expandGlob, hasGlobChars } from './glob.js';
import type { GlobalVars } from './globals.js';
import { LineMap, identityLine, originalColumn, sliceMapped, type LineSegment, type MappedLine } from './line-map.js';
import type { SourcePosition } from './xml-element.js';

export interface PreprocessOptions {
  /** The file to start from (absolute, or relative to confDir). */
  rootFile: string;
  /** Include patterns of the root file are relative to it; positions are shown relative to it. */
  confDir: string;
  globals: GlobalVars;
  /** Environment for `env-set` (default process.env). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Include nesting limit (FreeSWITCH: 100). */
  maxDepth?: number;
  /** Refuse a document larger than this many characters after expansion (default 64 Mi). */
  maxOutputChars?: number;
  /** Refuse a single file larger than this (default 16 MiB). */
  maxFileBytes?: number;
}

export interface PreprocessResult {
  /** The expanded document, lines joined with "\n". */
  readonly text: string;
  readonly lineMap: LineMap;
  /** Every file read, in order, as displayed in positions. */
  readonly files: readonly string[];
}

const DIRECTIVE_RE = /<x-pre-process(?=[\s/>])/i;
const ATTR_RE = /([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export async function preprocess(opts: PreprocessOptions): Promise<PreprocessResult> {
  const p = new Preprocessor(opts);
  return p.run();
}

interface FileState {
  abs: string;
  display: string;
  /** Inside an XML comment (`<!-- … -->`), tracked only to be lenient with unknown `$${}`. */
  inComment: boolean;
  /** Inside a multi-line `<!--#cmd …` until `-->`. */
  inCommandComment: boolean;
}

class Preprocessor {
  readonly #opts: PreprocessOptions;
  readonly #confDir: string;
  readonly #log: Logger;
  readonly #maxDepth: number;
  readonly #maxChars: number;
  readonly #maxFileBytes: number;
  readonly #out: string[] = [];
  #chars = 0;
  readonly #lineMap: LineMap;
  readonly #files: string[] = [];
  /** Absolute paths of the files being processed, outermost first (to report include loops). */
  readonly #chain: string[] = [];

  constructor(opts: PreprocessOptions) {
    this.#opts = opts;
    this.#confDir = resolve(opts.confDir);
    this.#log = opts.logger ?? silentLogger;
    this.#maxDepth = opts.maxDepth ?? 100;
    this.#maxChars = opts.maxOutputChars ?? 64 * 1024 * 1024;
    this.#maxFileBytes = opts.maxFileBytes ?? 16 * 1024 * 1024;
    this.#lineMap = new LineMap(this.#display(resolve(this.#confDir, opts.rootFile)));
  }

  async run(): Promise<PreprocessResult> {
    const root = resolve(this.#confDir, this.#opts.rootFile);
    await this.#processFile(root, 0, undefined);
    return { text: this.#out.length > 0 ? this.#out.join('\n') + '\n' : '', lineMap: this.#lineMap, files: this.#files };
  }

  #display(abs: string): string {
    const rel = relative(this.#confDir, abs);
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
  }

  async #processFile(abs: string, depth: number, from: SourcePosition | undefined): Promise<void> {
    const display = this.#display(abs);
    let content: string;
    try {
      const st = await stat(abs);
      if (st.size > this.#maxFileBytes) {
        throw new ConfigError(`${display} is ${st.size} bytes; config files larger than ${this.#maxFileBytes} bytes are refused`, from);
      }
      content = await readFile(abs, 'utf8');
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      throw new ConfigError(`cannot read ${display}: ${reason}`, from ?? { file: display }, { cause: err });
    }
    this.#files.push(display);
    this.#chain.push(abs);
    if (content.charCodeAt(0) === 0xfeff) content = content.slice(1);
    const lines = content.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const state: FileState = { abs, display, inComment: false, inCommandComment: false };
    for (let i = 0; i < lines.length; i++) {
      let raw = lines[i];
      if (raw.endsWith('\r')) raw = raw.slice(0, -1);
      await this.#processLine(raw, i + 1, state, depth);
    }
    this.#chain.pop();
  }

  async #processLine(raw: string, lineNo: number, st: FileState, depth: number): Promise<void> {
    // FreeSWITCH drops these lines whole so fragments can carry an <include> wrapper and an
    // XML declaration for validators; whatever else is on the line goes with them.
    if (raw.includes('<include>') || raw.includes('</include>') || raw.includes('<?')) {
      trackComments(raw, st);
      return;
    }
    let line = this.#expand(raw, lineNo, st);
    if (st.inCommandComment) {
      const end = line.text.indexOf('-->');
      if (end < 0) return;
      st.inCommandComment = false;
      line = sliceMapped(line, [[end + 3, line.text.length]]);
    }
    const directive = DIRECTIVE_RE.exec(line.text);
    if (directive) {
      const pos = { file: st.display, line: lineNo, column: originalColumn(line, directive.index) + 1 };
      const close = findTagEnd(line.text, directive.index + 1);
      if (close < 0) {
        throw new ConfigError('an X-PRE-PROCESS tag must be written on one line, ending with "/>"', pos);
      }
      const attrs = parseAttributes(line.text.slice(directive.index + '<x-pre-process'.length, close));
      const cmd = attrs.get('cmd');
      const data = attrs.get('data');
      if (cmd === undefined) throw new ConfigError('X-PRE-PROCESS needs a cmd="…" attribute (set, include or env-set)', pos);
      if (data === undefined) throw new ConfigError(`X-PRE-PROCESS cmd="${cmd}" needs a data="…" attribute`, pos);
      await this.#runCommand(cmd, data, pos, st, depth);
      return;
    }
    const commentCmd = line.text.indexOf('<!--#');
    if (commentCmd >= 0) {
      const pos = { file: st.display, line: lineNo, column: originalColumn(line, commentCmd) + 1 };
      const end = line.text.indexOf('-->', commentCmd);
      const body = line.text.slice(commentCmd + 5, end < 0 ? line.text.length : end);
      const rest = sliceMapped(line, end < 0 ? [[0, commentCmd]] : [[0, commentCmd], [end + 3, line.text.length]]);
      if (end < 0) st.inCommandComment = true;
      if (rest.text.trim() !== '') this.#emit(rest, st.display, lineNo);
      const space = body.indexOf(' ');
      if (space > 0) {
        const cmd = body.slice(0, space);
        let arg = body.slice(space + 1);
        const q1 = arg.indexOf('"');
        const q2 = q1 >= 0 ? arg.indexOf('"', q1 + 1) : -1;
        if (q2 > q1) arg = arg.slice(q1 + 1, q2);
        await this.#runCommand(cmd, arg.trim(), pos, st, depth);
      }
      return;
    }
    this.#emit(line, st.display, lineNo);
  }

  #emit(line: MappedLine, file: string, lineNo: number): void {
    this.#chars += line.text.length + 1;
    if (this.#chars > this.#maxChars) {
      throw new ConfigError(`the expanded configuration exceeds ${this.#maxChars} characters`, { file, line: lineNo });
    }
    this.#out.push(line.text);
    const segs = line.segments;
    const identity = segs.length === 1 && segs[0].out === 0 && segs[0].orig === 0 && segs[0].variable === undefined;
    this.#lineMap.push(file, lineNo, identity ? undefined : segs);
  }

  async #runCommand(cmd: string, data: string, pos: SourcePosition, st: FileState, depth: number): Promise<void> {
    switch (cmd.toLowerCase()) {
      case 'set': {
        const { name, value } = splitAssignment(data, pos, 'set');
        const globals = this.#opts.globals;
        if (globals.isOverridden(name)) {
          this.#log.debug({ name, at: `${pos.file}:${pos.line}` }, 'set ignored: overridden on the command line');
        }
        globals.set(name, value);
        return;
      }
      case 'include':
        await this.#include(data, dirname(st.abs), depth, pos);
        return;
      case 'env-set': {
        const { name, value } = splitAssignment(data, pos, 'env-set');
        if (!value.startsWith('$') || value.length < 2) {
          throw new ConfigError(`env-set data must look like "${name}=$ENVIRONMENT_VARIABLE", got "${data}"`, pos);
        }
        const envValue = (this.#opts.env ?? process.env)[value.slice(1)];
        if (envValue === undefined) {
          this.#log.info({ name, env: value.slice(1), at: `${pos.file}:${pos.line}` }, 'env-set: environment variable not set; global left unset');
        } else this.#opts.globals.set(name, envValue);
        return;
      }
      case 'exec':
      case 'exec-set':
        throw new ConfigError(
          `X-PRE-PROCESS cmd="${cmd}" is refused: this switch never runs shell commands while loading config; use cmd="set" or --var NAME=VALUE instead`,
          pos,
        );
      case 'stun-set':
        throw new ConfigError(
          `X-PRE-PROCESS cmd="stun-set" is refused: loading config never makes network lookups; set the address with cmd="set" or --var NAME=VALUE instead`,
          pos,
        );
      default:
        throw new ConfigError(`unknown X-PRE-PROCESS command "${cmd}" (known: set, include, env-set)`, pos);
    }
  }

  async #include(pattern: string, cwd: string, depth: number, pos: SourcePosition): Promise<void> {
    if (pattern.trim() === '') throw new ConfigError('include needs a file name or pattern in data="…"', pos);
    const abs = isAbsolute(pattern) ? pattern : join(cwd, pattern);
    let files: string[];
    if (hasGlobChars(pattern)) {
      files = await expandGlob(abs);
      if (files.length === 0) this.#log.info({ pattern, at: `${pos.file}:${pos.line}` }, 'include pattern matched no file');
    } else {
      let isDir = false;
      try {
        isDir = (await stat(abs)).isDirectory();
      } catch {
        throw new ConfigError(`include "${pattern}" matches no file (looked for ${abs})`, pos);
      }
      if (isDir) {
        throw new ConfigError(`include "${pattern}" is a directory; write "${pattern.replace(/\/+$/, '')}/*.xml" to include the files in it`, pos);
      }
      files = [abs];
    }
    if (depth + 1 > this.#maxDepth) {
      throw new ConfigError(`includes are nested more than ${this.#maxDepth} levels deep`, pos);
    }
    for (const file of files) {
      const loopAt = this.#chain.indexOf(file);
      if (loopAt >= 0) {
        const chain = [...this.#chain.slice(loopAt), file].map((f) => this.#display(f)).join(' → ');
        throw new ConfigError(`include loop: ${chain}`, pos);
      }
      await this.#processFile(file, depth + 1, pos);
    }
  }

  /** Replace every `$${name}` in a raw line; track XML comments on the way. */
  #expand(raw: string, lineNo: number, st: FileState): MappedLine {
    if (!raw.includes('$$') && !raw.includes('<!--') && !raw.includes('-->')) {
      return identityLine(raw);
    }
    const segments: LineSegment[] = [{ out: 0, orig: 0 }];
    let out = '';
    let literalStart = 0;
    let i = 0;
    while (i < raw.length) {
      if (raw.startsWith('<!--', i) && !raw.startsWith('<!--#', i)) {
        st.inComment = true;
        i += 4;
        continue;
      }
      if (st.inComment && raw.startsWith('-->', i)) {
        st.inComment = false;
        i += 3;
        continue;
      }
      if (raw.startsWith('$${', i)) {
        const pos = { file: st.display, line: lineNo, column: i + 1 };
        const close = findClosingBrace(raw, i + 2);
        if (close < 0) {
          if (st.inComment) {
            i += 3;
            continue;
          }
          throw new ConfigError('unterminated $${…}: the closing "}" is missing', pos);
        }
        const name = raw.slice(i + 3, close);
        let value = name === '' ? undefined : this.#opts.globals.get(name);
        if (value === undefined) {
          if (!st.inComment) {
            throw new ConfigError(
              name === '' ? 'empty variable name $${}' : `unknown variable $\${${name}} (set it in vars.xml or with --var ${name}=VALUE)`,
              pos,
            );
          }
          value = '';
        }
        out += raw.slice(literalStart, i);
        segments.push({ out: out.length, orig: i, variable: name });
        out += value;
        literalStart = close + 1;
        segments.push({ out: out.length, orig: literalStart });
        i = close + 1;
        continue;
      }
      i++;
    }
    out += raw.slice(literalStart);
    return { text: out, segments };
  }
}

/** Index of the `>` ending the tag that starts before `from`, skipping quoted values; -1 if none. */
function findTagEnd(s: string, from: number): number {
  let quote = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

/** Index of the `}` matching the `{` at `open`, counting nested braces; -1 if none. */
function findClosingBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function trackComments(raw: string, st: FileState): void {
  let i = 0;
  while (i < raw.length) {
    if (!st.inComment) {
      const open = raw.indexOf('<!--', i);
      if (open < 0) return;
      st.inComment = true;
      i = open + 4;
    } else {
      const close = raw.indexOf('-->', i);
      if (close < 0) return;
      st.inComment = false;
      i = close + 3;
    }
  }
}

function parseAttributes(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of text.matchAll(ATTR_RE)) {
    const key = m[1].toLowerCase();
    if (!attrs.has(key)) attrs.set(key, m[2] ?? m[3] ?? '');
  }
  return attrs;
}

/**
 * `name=value`: spaces next to the `=` are trimmed (FreeSWITCH trims only those), the value
 * may itself contain `=`.
 */
function splitAssignment(data: string, pos: SourcePosition, cmd: string): { name: string; value: string } {
  const eq = data.indexOf('=');
  if (eq < 0) throw new ConfigError(`${cmd} data must look like "name=value", got "${data}"`, pos);
  const name = data.slice(0, eq).replace(/ +$/, '').trim();
  const value = data.slice(eq + 1).replace(/^ +/, '');
  if (name === '' || /[\s${}]/.test(name)) {
    throw new ConfigError(`${cmd}: "${name}" is not a valid variable name`, pos);
  }
  return { name, value };
}
