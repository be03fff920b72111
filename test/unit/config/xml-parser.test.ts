import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/common/errors.js';
import { GlobalVars } from '../../../src/config/globals.js';
import { preprocess } from '../../../src/config/preprocessor.js';
import { parseXmlDocument } from '../../../src/config/xml-parser.js';
import { cleanup, writeTree } from './conf-fixture.js';

afterEach(cleanup);

async function parse(files: Record<string, string>) {
  const dir = await writeTree(files);
  const globals = new GlobalVars({ local_ip_v4: '192.0.2.1', bad: 'a<b' });
  const pre = await preprocess({ rootFile: 'root.xml', confDir: dir, globals });
  return parseXmlDocument(pre.text, pre.lineMap);
}

async function parseError(files: Record<string, string>): Promise<ConfigError> {
  try {
    await parse(files);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('the element tree', () => {
  test('elements carry name, attributes, children, text and their original position', async () => {
    const root = await parse({
      'root.xml': '<document>\n  <X-PRE-PROCESS cmd="include" data="frag.xml"/>\n  <t>a &amp; b<![CDATA[<c>]]></t>\n</document>\n',
      'frag.xml': '<include>\n    <user id="1000" cidr="$${local_ip_v4}/32"/>\n</include>\n',
    });
    expect(root.name).toBe('document');
    expect(root.pos).toEqual({ file: 'root.xml', line: 1, column: 1 });
    const [user, t] = root.children;
    expect(user.name).toBe('user');
    expect(user.attrs).toEqual({ id: '1000', cidr: '192.0.2.1/32' });
    expect(user.pos).toEqual({ file: 'frag.xml', line: 2, column: 5 });
    expect(t.text).toBe('a & b<c>');
    expect(t.pos).toEqual({ file: 'root.xml', line: 3, column: 3 });
  });

  test('the position of an element after an expansion on the same line maps back', async () => {
    const root = await parse({ 'root.xml': '<d><a v="$${local_ip_v4}"/><b/></d>\n' });
    expect(root.children[1].pos).toEqual({ file: 'root.xml', line: 1, column: 28 });
  });

  test('the tree is frozen', async () => {
    const root = await parse({ 'root.xml': '<d><a/></d>\n' });
    expect(Object.isFrozen(root)).toBe(true);
    expect(Object.isFrozen(root.children)).toBe(true);
    expect(Object.isFrozen(root.attrs)).toBe(true);
  });
});

describe('well-formedness errors are reported at the original file:line:col', () => {
  test('an unquoted attribute in an included file points into that file', async () => {
    const e = await parseError({
      'root.xml': '<document>\n<X-PRE-PROCESS cmd="include" data="users/*.xml"/>\n</document>\n',
      'users/1000.xml': '<include>\n  <user id="1000">\n    <param name=password value="x"/>\n  </user>\n</include>\n',
    });
    expect([e.file, e.line]).toEqual(['users/1000.xml', 3]);
    expect(e.message).toMatch(/^users\/1000\.xml:3:\d+ attribute value must be in quotes/);
  });

  test('a fragment that does not close its element is blamed, not the parent file', async () => {
    const e = await parseError({
      'root.xml': '<document>\n  <users>\n    <X-PRE-PROCESS cmd="include" data="u.xml"/>\n  </users>\n</document>\n',
      'u.xml': '<include>\n  <user id="1">\n</include>\n',
    });
    expect(e.message).toBe('u.xml:2:3 <user> is not closed before </users> at root.xml:4:3');
  });

  test('a mismatched closing tag in one file names both tags', async () => {
    const e = await parseError({ 'root.xml': '<document>\n  <a>\n  </b>\n</document>\n' });
    expect(e.message).toBe('root.xml:3:3 closing tag </b> does not match <a> opened at root.xml:2:3');
  });

  test('an element never closed before the end of the document points at its start tag', async () => {
    const e = await parseError({ 'root.xml': '<document>\n  <a>\n' });
    expect(e.message).toBe('root.xml:2:3 <a> is never closed (no </a> before the end of the document)');
  });

  test('a stray closing tag is reported where it is', async () => {
    const e = await parseError({ 'root.xml': '<document>\n</x>\n' });
    expect(e.line).toBe(2);
  });

  test('a bare & is reported where it is, not at the end of the document', async () => {
    const e = await parseError({ 'root.xml': '<document>\n  <a v="R&D"/>\n  <b/>\n</document>\n' });
    expect(e.message).toBe('root.xml:2:10 a bare & is not allowed in XML: write it as &amp;');
  });

  test('& inside comments and CDATA, and real references, are fine', async () => {
    const root = await parse({ 'root.xml': '<document>\n<!-- R&D -->\n<a v="&lt;&#65;&#x42;&amp;"><![CDATA[x & y]]></a>\n</document>\n' });
    expect(root.children[0].attrs.v).toBe('<AB&');
    expect(root.children[0].text).toBe('x & y');
  });

  test('an unknown entity gets a hint', async () => {
    const e = await parseError({ 'root.xml': '<document>\n  <a v="&nbsp;"/>\n</document>\n' });
    expect(e.message).toMatch(/^root\.xml:2:\d+ unknown entity: write a literal & as &amp;/);
  });

  test('a bad character coming from a $${} value names the variable', async () => {
    const e = await parseError({ 'root.xml': '<document>\n  <a v="$${bad}"/>\n</document>\n' });
    expect(e.message).toMatch(/^root\.xml:2:9 .*\(in the value of \$\$\{bad\}\)$/);
  });

  test('a duplicate attribute is named', async () => {
    const e = await parseError({ 'root.xml': '<document>\n<a x="1" x="2"/>\n</document>\n' });
    expect(e.message).toMatch(/attribute x is given twice/);
  });

  test('two root elements are an error', async () => {
    const e = await parseError({ 'root.xml': '<a/>\n<b/>\n' });
    expect(e.message).toMatch(/^root\.xml:2:\d+ a second top-level element/);
  });

  test('an empty document is an error', async () => {
    const e = await parseError({ 'root.xml': '<?xml version="1.0"?>\n' });
    expect(e.message).toMatch(/no root element/);
  });

  test('"--" inside a comment is an error with its position', async () => {
    const e = await parseError({ 'root.xml': '<document>\n<!-- use --var here -->\n</document>\n' });
    expect(e.message).toMatch(/^root\.xml:2:\d+ malformed comment/);
  });
});
