// SIPp's statistics file (-trace_stat -stf <file>): semicolon-separated columns, one header line,
// one line per report period. The benches read the last line's counters by column name.
import { readFileSync } from 'node:fs';

/** The counters of the last line of a SIPp statistics file, by column name (0 when absent). */
export function sippStats(file: string): (name: string) => number {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  return (name) => Number(last[head.indexOf(name)] ?? 0);
}
