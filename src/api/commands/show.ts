// `show <what> [count] [as json|xml|csv|delim <d>]` (spec §6.3): one table formatter shared by
// every show sub-command. A sub-command is a ShowSource (its column names and a way to get its
// rows) added under a name; `show registrations` is the first, `show calls` and
// `show channels` plug in the same way. Layouts as FreeSWITCH prints them: header line, one
// line per row, a blank line, `N total.`; `as json` is `{"row_count":N,"rows":[…]}`.

import type { ApiCommand } from '../registry.js';

export interface ShowSource {
  /** Column names, in order. */
  readonly columns: readonly string[];
  /** The rows, each a value per column in column order. */
  rows(): readonly (readonly string[])[] | Promise<readonly (readonly string[])[]>;
  /** The number of rows, when that is cheaper than rows() (for `show … count`). */
  count?(): number | Promise<number>;
}

export type ShowFormat = { kind: 'delim'; delim: string } | { kind: 'json' } | { kind: 'xml' };

export class ShowTables {
  readonly #sources = new Map<string, ShowSource>();

  /** Add `show <name>` (names compare case-insensitively). */
  add(name: string, source: ShowSource): void {
    this.#sources.set(name.toLowerCase(), source);
  }

  names(): string[] {
    return [...this.#sources.keys()].sort();
  }

  /** The `show` API command; sources added later appear in it too. */
  command(): ApiCommand {
    const names = () => this.names().join('|') || '<what>';
    return {
      description: 'Show various reports',
      get usage() {
        return `${names()} [count] [as json|xml|csv|delim <d>]`;
      },
      handler: (args: string) => this.run(args),
    };
  }

  /** Run `show <args>`. */
  async run(args: string): Promise<string> {
    const argv = args.split(/\s+/).filter((a) => a !== '');
    const usage = `-USAGE: show ${this.names().join('|')} [count] [as json|xml|csv|delim <d>]\n`;
    const what = argv.shift()?.toLowerCase();
    const source = what === undefined ? undefined : this.#sources.get(what);
    if (!source) return usage;
    let countOnly = false;
    let format: ShowFormat = { kind: 'delim', delim: ',' };
    while (argv.length > 0) {
      const word = argv.shift()!.toLowerCase();
      if (word === 'count') countOnly = true;
      else if (word === 'as') {
        const f = parseFormat(argv);
        if (!f) return usage;
        format = f;
      } else return usage;
    }
    if (countOnly) {
      const n = source.count ? await source.count() : (await source.rows()).length;
      return format.kind === 'json' ? `{"row_count":${n}}` : `\n${n} total.\n`;
    }
    return formatShowTable(source.columns, await source.rows(), format);
  }
}

function parseFormat(argv: string[]): ShowFormat | undefined {
  const kind = argv.shift()?.toLowerCase();
  switch (kind) {
    case 'json':
      return { kind: 'json' };
    case 'xml':
      return { kind: 'xml' };
    case 'csv':
      return { kind: 'delim', delim: ',' };
    case 'delim': {
      const d = argv.shift();
      return d === undefined ? undefined : { kind: 'delim', delim: d };
    }
    default:
      return undefined;
  }
}

/** A table in one of the show formats. */
export function formatShowTable(columns: readonly string[], rows: readonly (readonly string[])[], format: ShowFormat): string {
  switch (format.kind) {
    case 'json': {
      if (rows.length === 0) return '{"row_count": 0}\n';
      const objs = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? ''])));
      return JSON.stringify({ row_count: rows.length, rows: objs });
    }
    case 'xml': {
      let out = `<result row_count="${rows.length}">\n`;
      rows.forEach((r, n) => {
        out += `  <row row_id="${n + 1}">\n`;
        columns.forEach((c, i) => {
          out += `    <${c}>${xmlEscape(r[i] ?? '')}</${c}>\n`;
        });
        out += '  </row>\n';
      });
      return `${out}</result>\n`;
    }
    case 'delim': {
      if (rows.length === 0) return '\n0 total.\n';
      let out = `${columns.join(format.delim)}\n`;
      for (const r of rows) out += `${columns.map((_, i) => r[i] ?? '').join(format.delim)}\n`;
      return `${out}\n${rows.length} total.\n`;
    }
  }
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
