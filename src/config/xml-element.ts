// The parsed configuration document as a plain element tree. Every element remembers where it
// came from (after include/pre-processing, mapped back to the original file and line), so any
// layer that rejects a piece of configuration can say `file:line:col`.

export interface SourcePosition {
  /** Path of the original file, relative to the conf directory where possible. */
  readonly file: string;
  /** 1-based line in that file. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

export interface XmlElement {
  /** Tag name as written (case preserved). */
  readonly name: string;
  /** Attributes, names as written. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated text and CDATA content directly inside this element, untrimmed. */
  readonly text: string;
  /** Position of the element's start tag. */
  readonly pos: SourcePosition;
}
