// The small glob the pre-processor's `include` needs (Node 20 has no fs.glob): `*`, `?` and
// `[...]` (with `!`/`^` negation and ranges) in any path segment, expanded one segment at a
// time. Like POSIX glob, a wildcard does not match a leading dot. Results are regular files
// only, sorted by plain string comparison so include order does not depend on the locale.

import { readdir, stat } from 'node:fs/promises';
import { join, parse } from 'node:path';

export function hasGlobChars(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** A RegExp matching one path segment against one glob segment. */
export function segmentRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = findClassEnd(glob, i);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      // Keep '-' ranges; escape everything regex-special inside a class except '-'.
      const cls = body.replace(/[\\\]^[]/g, (m) => `\\${m}`);
      re += `[${negate ? '^' : ''}${cls}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\\]]/g, (m) => `\\${m}`);
  }
  return new RegExp(`^${re}$`, 's');
}

// `]` right after `[` (or `[!`) is a literal member of the class, as in POSIX.
function findClassEnd(glob: string, open: number): number {
  let j = open + 1;
  if (glob[j] === '!' || glob[j] === '^') j++;
  if (glob[j] === ']') j++;
  for (; j < glob.length; j++) if (glob[j] === ']') return j;
  return -1;
}

function matchesSegment(glob: string, re: RegExp, name: string): boolean {
  if (name.startsWith('.') && !glob.startsWith('.')) return false;
  return re.test(name);
}

/**
 * Expand an absolute pattern into the sorted list of regular files it matches. Directories
 * that do not exist or cannot be read simply match nothing.
 */
export async function expandGlob(absolutePattern: string): Promise<string[]> {
  const { root } = parse(absolutePattern);
  const segments = absolutePattern.slice(root.length).split(/[\\/]+/).filter((s) => s.length > 0);
  let candidates = [root];
  for (const seg of segments) {
    if (!hasGlobChars(seg)) {
      candidates = candidates.map((c) => join(c, seg));
      continue;
    }
    const re = segmentRegExp(seg);
    const next: string[] = [];
    for (const dir of candidates) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const name of names) if (matchesSegment(seg, re, name)) next.push(join(dir, name));
    }
    candidates = next;
    if (candidates.length === 0) return [];
  }
  const files: string[] = [];
  for (const c of candidates) {
    try {
      if ((await stat(c)).isFile()) files.push(c);
    } catch {
      // vanished or dangling link: not a match
    }
  }
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
