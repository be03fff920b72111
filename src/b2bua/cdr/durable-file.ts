// Writing a whole file so that after a crash or power loss it is either absent or complete:
// write a temporary file in the same directory, fsync it, rename it over the target, fsync the
// directory (the rename is only durable once the directory entry is). Directory fsyncs are
// group-committed: renames that land while one is in flight share the next one, so a burst of
// CDRs costs one directory fsync per round trip of the disk, not one per file.

import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;
/** Directories known to exist (mkdir -p once per directory, not once per file). */
const made = new Set<string>();

export async function writeFileDurable(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  if (!made.has(dir)) {
    await mkdir(dir, { recursive: true });
    made.add(dir);
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${++counter}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'w', 0o640);
  } catch (err) {
    // The directory may have been removed since (log rotation, tests): make it again once.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    made.delete(dir);
    await mkdir(dir, { recursive: true });
    made.add(dir);
    fh = await open(tmp, 'w', 0o640);
  }
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await syncDirectory(dir);
}

interface DirSync {
  /** The fsync running now. */
  running: Promise<void> | undefined;
  /** The fsync that starts when the running one ends, shared by everyone who asks meanwhile. */
  next: Promise<void> | undefined;
}

const dirSyncs = new Map<string, DirSync>();

/**
 * fsync a directory (makes renames and new entries in it durable). Resolves after an fsync
 * that started after this call: one in flight may have missed the caller's entry, so callers
 * arriving during it share the following one.
 */
export function syncDirectory(dir: string): Promise<void> {
  let s = dirSyncs.get(dir);
  if (!s) {
    s = { running: undefined, next: undefined };
    dirSyncs.set(dir, s);
  }
  const state = s;
  if (!state.running) {
    state.running = fsyncDir(dir).finally(() => {
      state.running = undefined;
      if (!state.next) dirSyncs.delete(dir);
    });
    return state.running;
  }
  state.next ??= state.running.catch(() => {}).then(() => {
    state.next = undefined;
    return syncDirectory(dir);
  });
  return state.next;
}

async function fsyncDir(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
