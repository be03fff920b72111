// Test support: parse inline XML with saxes into the XmlElement tree config/ hands the dialplan,
// with real file:line:col positions, and collect <context> elements by name for compileDialplan.

import { SaxesParser } from 'saxes';
import type { XmlElement } from '../../../src/config/xml-element.js';

interface Building {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
  pos: { file: string; line: number; column: number };
}

/** Parse one XML document (fragment with a single root) into an XmlElement tree. */
export function parseXml(xml: string, file = 'test.xml'): XmlElement {
  const parser = new SaxesParser({ position: true, fileName: file });
  const stack: Building[] = [];
  let root: XmlElement | undefined;
  let startLine = 1;
  let startColumn = 1;
  parser.on('opentagstart', () => {
    startLine = parser.line;
    startColumn = parser.column;
  });
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(tag.attributes)) attrs[k] = typeof v === 'string' ? v : v.value;
    stack.push({ name: tag.name, attrs, children: [], text: '', pos: { file, line: startLine, column: Math.max(1, startColumn - tag.name.length - 1) } });
  });
  parser.on('text', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on('cdata', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on('closetag', () => {
    const done = stack.pop()!;
    const el: XmlElement = done;
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
  });
  parser.on('error', (err) => {
    throw err;
  });
  parser.write(xml).close();
  if (!root) throw new Error('no root element');
  return root;
}

/** `<include><context …/>…</include>` or a single `<context>` → the map compileDialplan takes. */
export function contextsFromXml(xml: string, file = 'test.xml'): Map<string, XmlElement[]> {
  const root = parseXml(xml, file);
  const contexts = root.name === 'context' ? [root] : root.children.filter((c) => c.name === 'context');
  const map = new Map<string, XmlElement[]>();
  for (const c of contexts) {
    const name = c.attrs['name'] ?? '';
    const list = map.get(name) ?? [];
    list.push(c);
    map.set(name, list);
  }
  return map;
}
