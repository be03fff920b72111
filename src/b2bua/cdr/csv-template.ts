// cdr_csv lines (spec §9.2): a template such as `"${caller_id_name}","${uuid}"` expanded for a
// channel with the core's expander, one `${…}` at a time, so that each substituted value can be
// escaped on its own: `"` is doubled (FreeSWITCH writes values raw and a quote in a caller
// name breaks the line; doubling keeps the line valid CSV) and CR/LF become spaces (one record
// is one line). The template's own text, quotes and commas included, is written as it is.

/** Escape one substituted value for a double-quoted CSV field. */
export function escapeCsvValue(value: string): string {
  let out = value;
  if (out.includes('"')) out = out.replace(/"/g, '""');
  if (out.includes('\r') || out.includes('\n')) out = out.replace(/\r\n|[\r\n]/g, ' ');
  return out;
}

/** One piece of a template: text written as is, or a `${…}` reference expanded and escaped. */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'ref'; text: string };

/**
 * Split a template into text and `${…}` references (nested braces balanced, so
 * `${a_${b}}` and `${cond(${x} == 1 ? a : b)}` are one reference). An unterminated `${`
 * is plain text. `\$` stays in the text for the expander to unescape.
 */
export function parseCsvTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  const n = template.length;
  while (i < n) {
    const c = template[i]!;
    if (c === '\\' && i + 1 < n) {
      text += c + template[i + 1]!;
      i += 2;
      continue;
    }
    if (c === '$' && template[i + 1] === '{') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        const d = template[j]!;
        if (d === '{') depth++;
        else if (d === '}') depth--;
        j++;
      }
      if (depth === 0) {
        if (text) parts.push({ kind: 'text', text });
        text = '';
        parts.push({ kind: 'ref', text: template.slice(i, j) });
        i = j;
        continue;
      }
    }
    text += c;
    i++;
  }
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

/**
 * Expand a parsed template: references through `expand` (the core's expander for the channel),
 * each result escaped; text through `expand` only when it holds a `\` escape.
 */
export function expandCsvTemplate(parts: readonly TemplatePart[], expand: (text: string) => string): string {
  let out = '';
  for (const p of parts) {
    if (p.kind === 'ref') out += escapeCsvValue(expand(p.text));
    else out += p.text.includes('\\') ? expand(p.text) : p.text;
  }
  return out;
}

/** A small cache of parsed templates keyed by their text (templates change only on reload). */
export class CsvTemplateCache {
  readonly #parsed = new Map<string, TemplatePart[]>();
  readonly #max: number;

  constructor(max = 64) {
    this.#max = max;
  }

  get(template: string): TemplatePart[] {
    let parts = this.#parsed.get(template);
    if (!parts) {
      if (this.#parsed.size >= this.#max) this.#parsed.clear();
      parts = parseCsvTemplate(template);
      this.#parsed.set(template, parts);
    }
    return parts;
  }
}
