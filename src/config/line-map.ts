// Maps every line of the pre-processed document back to the file and line it came from, and
// every column back through `$${var}` expansions, so an XML error found after includes and
// expansion is still reported at the `file:line:col` a person can open in an editor.
// It knows nothing about XML or about how lines were produced.

import type { SourcePosition } from './xml-element.js';

/**
 * One run of output columns. Columns from `out` up to the next segment come from the original
 * line starting at `orig` (0-based); a segment with `variable` is the expanded value of
 * `$${variable}` whose `$${` starts at `orig`, so every column inside it maps to that `$${`.
 */
export interface LineSegment {
  readonly out: number;
  readonly orig: number;
  readonly variable?: string;
}

interface LineOrigin {
  readonly file: number;
  readonly line: number;
  /** Undefined when the output line is the original line unchanged. */
  readonly segments: readonly LineSegment[] | undefined;
}

export interface LocatedPosition {
  readonly pos: SourcePosition;
  /** Set when the column falls inside the expansion of `$${variable}`. */
  readonly variable?: string;
}

export class LineMap {
  #files: string[] = [];
  #fileIds = new Map<string, number>();
  #lines: LineOrigin[] = [];
  readonly #rootFile: string;

  constructor(rootFile: string) {
    this.#rootFile = rootFile;
  }

  get lineCount(): number {
    return this.#lines.length;
  }

  /** Record the origin of the next output line. `line` is 1-based. */
  push(file: string, line: number, segments?: readonly LineSegment[]): void {
    let id = this.#fileIds.get(file);
    if (id === undefined) {
      id = this.#files.length;
      this.#files.push(file);
      this.#fileIds.set(file, id);
    }
    this.#lines.push({ file: id, line, segments: segments && segments.length > 0 ? segments : undefined });
  }

  /** Original position of output line `outLine` (1-based), column `outCol` (0-based). */
  locate(outLine: number, outCol: number): LocatedPosition {
    if (this.#lines.length === 0) return { pos: { file: this.#rootFile, line: 1, column: 1 } };
    // An error at the very end of the document points past the last line: clamp to it.
    const index = Math.min(Math.max(outLine, 1), this.#lines.length) - 1;
    const origin = this.#lines[index];
    const file = this.#files[origin.file];
    const col = Math.max(outCol, 0);
    if (!origin.segments) return { pos: { file, line: origin.line, column: col + 1 } };
    const seg = findSegment(origin.segments, col);
    if (seg.variable !== undefined) {
      return { pos: { file, line: origin.line, column: seg.orig + 1 }, variable: seg.variable };
    }
    return { pos: { file, line: origin.line, column: seg.orig + (col - seg.out) + 1 } };
  }
}

function findSegment(segments: readonly LineSegment[], col: number): LineSegment {
  let found = segments[0];
  for (const seg of segments) {
    if (seg.out > col) break;
    found = seg;
  }
  return found;
}

/**
 * A line of text with the segments that map its columns to the original line. Produced by
 * `$${}` expansion and cut into pieces by the comment-form directives.
 */
export interface MappedLine {
  readonly text: string;
  readonly segments: readonly LineSegment[];
}

/** The identity mapping for an unchanged line. */
export function identityLine(text: string): MappedLine {
  return { text, segments: [{ out: 0, orig: 0 }] };
}

/** Original 0-based column of column `col` of a mapped line. */
export function originalColumn(line: MappedLine, col: number): number {
  const seg = findSegment(line.segments, col);
  return seg.variable !== undefined ? seg.orig : seg.orig + (col - seg.out);
}

/** Concatenate slices `[start, end)` of a mapped line, keeping the column mapping. */
export function sliceMapped(line: MappedLine, ranges: ReadonlyArray<readonly [number, number]>): MappedLine {
  let text = '';
  const segments: LineSegment[] = [];
  const segs = line.segments;
  for (const [start, end] of ranges) {
    if (end <= start) continue;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i];
      const segEnd = i + 1 < segs.length ? segs[i + 1].out : line.text.length;
      const from = Math.max(seg.out, start);
      const to = Math.min(segEnd, end);
      if (to <= from) continue;
      const out = text.length + (from - start);
      if (seg.variable !== undefined) segments.push({ out, orig: seg.orig, variable: seg.variable });
      else segments.push({ out, orig: seg.orig + (from - seg.out) });
    }
    text += line.text.slice(start, end);
  }
  if (segments.length === 0) segments.push({ out: 0, orig: 0 });
  return { text, segments };
}
