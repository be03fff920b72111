// One string instance per canonical header key, so the parser, the message model and every
// caller's lookups compare pointers instead of characters.

const INTERNED = new Map<string, string>();

export function internKey(key: string): string {
  const found = INTERNED.get(key);
  if (found !== undefined) return found;
  if (INTERNED.size < 4096) INTERNED.set(key, key);
  return key;
}
