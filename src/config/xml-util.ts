// Small readers over the XmlElement tree used by the typed views: find children, require an
// attribute, read a `<params>`/`<variables>` container into a NameValueSet. Every rejection is a
// ConfigError at the offending element's position with a message naming what is missing.

import { ConfigError } from '../common/index.js';
import { NameValueSet, type NameValueEntry } from './name-value-set.js';
import type { SourcePosition, XmlElement } from './xml-element.js';

/** `file:line:col` of a position, for messages that mention a second place. */
export function formatPos(pos: SourcePosition): string {
  return `${pos.file}:${pos.line}:${pos.column}`;
}

/** Children with this tag name (case-insensitive, as FreeSWITCH's lookups are). */
export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  if (!el) return [];
  const lower = name.toLowerCase();
  return el.children.filter((c) => c.name.toLowerCase() === lower);
}

/** The first child with this tag name. */
export function firstChild(el: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!el) return undefined;
  const lower = name.toLowerCase();
  return el.children.find((c) => c.name.toLowerCase() === lower);
}

/** An attribute's value, looked up case-insensitively. */
export function attr(el: XmlElement, name: string): string | undefined {
  const direct = el.attrs[name];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(el.attrs)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** A non-empty attribute, or a ConfigError at the element. */
export function requireAttr(el: XmlElement, name: string): string {
  const v = attr(el, name);
  if (v === undefined) throw new ConfigError(`<${el.name}> needs a ${name}="…" attribute`, el.pos);
  if (v.trim() === '') throw new ConfigError(`<${el.name}> has an empty ${name}="" attribute`, el.pos);
  return v;
}

/**
 * Read `<tag name="…" value="…"/>` children of `container` (e.g. the `<param>`s of
 * `<settings>`). Other children are ignored, as FreeSWITCH ignores them.
 */
export function readNameValues(container: XmlElement | undefined, tag: 'param' | 'variable'): NameValueSet {
  if (!container) return NameValueSet.empty;
  const entries: NameValueEntry[] = [];
  for (const el of childrenNamed(container, tag)) {
    const name = requireAttr(el, 'name');
    const value = attr(el, 'value');
    if (value === undefined) throw new ConfigError(`<${el.name} name="${name}"> needs a value="…" attribute`, el.pos);
    let direction: 'inbound' | 'outbound' | undefined;
    const dir = attr(el, 'direction');
    if (dir !== undefined && tag === 'variable') {
      const d = dir.trim().toLowerCase();
      if (d !== 'inbound' && d !== 'outbound' && d !== 'both' && d !== '') {
        throw new ConfigError(`<variable name="${name}"> direction must be inbound or outbound, got "${dir}"`, el.pos);
      }
      direction = d === 'inbound' || d === 'outbound' ? d : undefined;
    }
    entries.push(direction ? { name, value, direction, pos: el.pos } : { name, value, pos: el.pos });
  }
  return new NameValueSet(entries);
}

/** Read the `<param>`s of `parent`'s first `<containerName>` child (e.g. `settings`, `params`). */
export function readParamsOf(parent: XmlElement | undefined, containerName: string): NameValueSet {
  const containers = childrenNamed(parent, containerName);
  if (containers.length <= 1) return readNameValues(containers[0], 'param');
  // Several containers (e.g. two <settings> blocks): read them all, in order.
  const entries = containers.flatMap((c) => [...readNameValues(c, 'param').list]);
  return new NameValueSet(entries);
}

/** Read the `<variable>`s of `parent`'s `<variables>` children. */
export function readVariablesOf(parent: XmlElement | undefined): NameValueSet {
  const containers = childrenNamed(parent, 'variables');
  if (containers.length <= 1) return readNameValues(containers[0], 'variable');
  return new NameValueSet(containers.flatMap((c) => [...readNameValues(c, 'variable').list]));
}
