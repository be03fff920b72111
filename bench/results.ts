// Writes one bench script's table into bench/RESULTS.md between its own markers
// (`<!-- id:start -->` … `<!-- id:end -->`), leaving every other section as it is, and the
// conditions every figure depends on (Node version, CPU, date).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

/** bench/RESULTS.md in the source tree (scripts run from dist/bench, two levels down). */
export const RESULTS_PATH = fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));

const HEADER = '# Benchmark results\n\nEvery figure here is written by a script in `bench/` (`npm run bench`, or one script with\n`node dist/bench/<name>.js`). Each section names its conditions. Loopback only, bounded runs.\n';

export function conditions(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `Node ${process.version}, ${cpu} (${cpus().length} cores), ${new Date().toISOString().slice(0, 10)}`;
}

export function writeSection(id: string, markdown: string, path = RESULTS_PATH): void {
  const start = `<!-- ${id}:start -->`;
  const end = `<!-- ${id}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : HEADER;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, text);
}

/** Median and relative spread ((max-min)/median) of samples. */
export function summarize(samples: number[]): { median: number; spread: number } {
  const s = [...samples].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)]!;
  return { median, spread: median === 0 ? 0 : (s[s.length - 1]! - s[0]!) / median };
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
