// Parses the pre-processed document with saxes into the XmlElement tree. Positions of elements
// and of well-formedness errors are mapped through the LineMap to the original file:line:col,
// and saxes' terse messages are rephrased for people ("<user> is never closed …").
// Namespaces are not processed (FreeSWITCH config has none); DTD entities are not expanded.

import { SaxesParser } from 'saxes';
import { ConfigError } from '../common/index.js';
import type { LineMap } from './line-map.js';
import type { SourcePosition, XmlElement } from './xml-element.js';
import { formatPos } from './xml-util.js';

interface OpenElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
  pos: SourcePosition;
}

/** Parse `text` (the pre-processor's output) into its root element. */
export function parseXmlDocument(text: string, lineMap: LineMap): XmlElement {
  const lineStarts = computeLineStarts(text);
  const locateOffset = (offset: number): { pos: SourcePosition; variable?: string } => {
    const line = lineOfOffset(lineStarts, offset);
    return lineMap.locate(line + 1, offset - lineStarts[line]);
  };

  // saxes reads an entity up to the next ';', so a bare '&' (as in "R&D") would swallow the
  // rest of the document and surface as a confusing error at its end: catch it first.
  const amp = findBareAmpersand(text);
  if (amp >= 0) {
    const at = locateOffset(amp);
    const inVar = at.variable !== undefined ? ` (in the value of $\${${at.variable}})` : '';
    throw new ConfigError(`a bare & is not allowed in XML: write it as &amp;${inVar}`, at.pos);
  }

  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: OpenElement[] = [];
  // saxes pops (and reports closed) the element a mismatched closing tag ran into before it
  // reports the mismatch; keep it to name it in the message.
  let lastClosed: OpenElement | undefined;
  let root: XmlElement | undefined;
  let pendingStart: SourcePosition | undefined;

  parser.on('opentagstart', () => {
    // saxes has just read the tag name; the element starts at the '<' before it.
    const lt = text.lastIndexOf('<', parser.position - 1);
    pendingStart = locateOffset(Math.max(lt, 0)).pos;
  });
  parser.on('opentag', (tag) => {
    const el: OpenElement = {
      name: tag.name,
      attrs: { ...tag.attributes },
      children: [],
      text: '',
      pos: pendingStart ?? locateOffset(parser.position).pos,
    };
    stack.push(el);
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
    const open = stack.pop();
    if (!open) return;
    lastClosed = open;
    const el: XmlElement = Object.freeze({
      name: open.name,
      attrs: Object.freeze(open.attrs),
      children: Object.freeze(open.children),
      text: open.text,
      pos: Object.freeze(open.pos),
    });
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root ??= el;
  });
  parser.on('error', (err) => {
    throw describeError(err.message, parser.position, text, stack, lastClosed, locateOffset);
  });

  try {
    parser.write(text).close();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`XML parser failed: ${(err as Error).message}`, lineMap.locate(1, 0).pos, { cause: err });
  }
  if (!root) throw new ConfigError('the document has no root element', lineMap.locate(1, 0).pos);
  return root;
}

function describeError(
  raw: string,
  offset: number,
  text: string,
  stack: OpenElement[],
  lastClosed: OpenElement | undefined,
  locateOffset: (offset: number) => { pos: SourcePosition; variable?: string },
): ConfigError {
  // saxes prefixes "line:col: " and ends with a period; keep the words.
  const msg = raw.replace(/^\d+:\d+:\s*/, '').replace(/\.$/, '');
  const top = stack[stack.length - 1];
  const at = locateOffset(Math.max(0, Math.min(offset, text.length) - 1));
  const inVar = at.variable !== undefined ? ` (in the value of $\${${at.variable}})` : '';

  if (msg === 'unexpected close tag' && lastClosed) {
    const open = lastClosed;
    const lt = text.lastIndexOf('</', Math.max(0, offset - 1));
    const closeName = lt >= 0 ? (/^<\/\s*([^\s>]*)/.exec(text.slice(lt))?.[1] ?? '?') : '?';
    const closePos = locateOffset(Math.max(lt, 0)).pos;
    // When the unclosed element comes from another file than the closing tag, the mistake is
    // almost surely in that file (a fragment missing its closing tag): point there.
    if (closePos.file !== open.pos.file) {
      return new ConfigError(`<${open.name}> is not closed before </${closeName}> at ${formatPos(closePos)}`, open.pos);
    }
    return new ConfigError(`closing tag </${closeName}> does not match <${open.name}> opened at ${formatPos(open.pos)}`, closePos);
  }
  const unmatched = /^unmatched closing tag: (.*)$/.exec(msg);
  if (unmatched) {
    const lt = text.lastIndexOf('</', Math.max(0, offset - 1));
    return new ConfigError(`closing tag </${unmatched[1]}> has no matching opening tag`, locateOffset(Math.max(lt, 0)).pos);
  }
  const unclosed = /^unclosed tag: (.*)$/.exec(msg);
  if (unclosed || msg === 'unexpected end') {
    // At the end of input saxes reports open elements before an unfinished tag or comment;
    // the unfinished construct is the more useful thing to point at.
    const cut = unfinishedConstruct(text);
    if (cut) return new ConfigError(cut.message, locateOffset(cut.offset).pos);
  }
  if (unclosed && top) {
    return new ConfigError(`<${top.name}> is never closed (no </${top.name}> before the end of the document)`, top.pos);
  }
  return new ConfigError(`${FRIENDLY[msg] ?? rephrase(msg)}${inVar}`, at.pos);
}

const FRIENDLY: Record<string, string> = {
  'unexpected end': 'the document ends in the middle of a tag, comment or attribute',
  'text data outside of root node': 'text outside the root element: everything must be inside <document>',
  'documents may contain only one root': 'a second top-level element: the document must have exactly one root element',
  'document must contain a root element': 'the document has no root element',
  'undefined entity': 'unknown entity: write a literal & as &amp;',
  'disallowed character': 'a character that is not allowed here: write < as &lt; and & as &amp; inside values',
  'unquoted attribute value': 'attribute value must be in quotes',
  'attribute without value': 'attribute without a value (write name="value")',
  'malformed comment': 'malformed comment: "--" is not allowed inside <!-- -->',
  'no whitespace between attributes': 'attributes must be separated by a space',
  'forward-slash in opening tag not followed by >': 'a "/" in a tag must be followed by ">"',
  'disallowed character in tag name': 'a character that is not allowed in a tag name',
  'disallowed character in attribute name': 'a character that is not allowed in an attribute name',
  'disallowed character in closing tag': 'a character that is not allowed in a closing tag',
  'malformed character entity': 'malformed character reference (&#…;)',
};

function rephrase(msg: string): string {
  const dup = /^duplicate attribute: (.*)$/.exec(msg);
  if (dup) return `attribute ${dup[1]} is given twice`;
  return msg;
}

/** The comment, CDATA section or tag that the document ends in the middle of, if any. */
function unfinishedConstruct(text: string): { message: string; offset: number } | undefined {
  const comment = text.lastIndexOf('<!--');
  if (comment >= 0 && text.indexOf('-->', comment + 4) < 0) {
    return { message: 'this comment is never closed (missing "-->")', offset: comment };
  }
  const cdata = text.lastIndexOf('<![CDATA[');
  if (cdata >= 0 && text.indexOf(']]>', cdata + 9) < 0) {
    return { message: 'this CDATA section is never closed (missing "]]>")', offset: cdata };
  }
  const lt = text.lastIndexOf('<');
  if (lt >= 0 && text.indexOf('>', lt) < 0) {
    return { message: 'the document ends in the middle of this tag (is the file cut short?)', offset: lt };
  }
  return undefined;
}

const REFERENCE_RE = /&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][\w.:-]*);/y;

/** Offset of the first '&' outside comments and CDATA that does not start a reference; -1 if none. */
function findBareAmpersand(text: string): number {
  let i = 0;
  let nextComment = text.indexOf('<!--');
  let nextCdata = text.indexOf('<![CDATA[');
  for (;;) {
    const amp = text.indexOf('&', i);
    if (amp < 0) return -1;
    const comment = nextComment >= 0 && nextComment < amp ? nextComment : -1;
    const cdata = nextCdata >= 0 && nextCdata < amp ? nextCdata : -1;
    if (comment >= 0 || cdata >= 0) {
      // Skip the comment or CDATA section that opens first; the '&' may lie inside it.
      const isComment = comment >= 0 && (cdata < 0 || comment < cdata);
      const end = isComment ? text.indexOf('-->', comment + 4) : text.indexOf(']]>', cdata + 9);
      if (end < 0) return -1; // unterminated: saxes reports it
      i = end + 3;
      if (nextComment >= 0 && nextComment < i) nextComment = text.indexOf('<!--', i);
      if (nextCdata >= 0 && nextCdata < i) nextCdata = text.indexOf('<![CDATA[', i);
      continue;
    }
    REFERENCE_RE.lastIndex = amp;
    if (!REFERENCE_RE.test(text)) return amp;
    i = amp + 1;
  }
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOfOffset(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
