// Typed view of `autoload_configs/cdr_csv.conf.xml` (spec §9.2): which legs are written, the
// base directory, file rotation, and the named `${var}` line templates. The built-in `default`
// template (the first 13 fields of vanilla's `example`) exists unless the conf defines one.

import { ConfigError } from '../common/index.js';
import type { NameValueSet } from './name-value-set.js';
import type { SourcePosition, XmlElement } from './xml-element.js';
import { childrenNamed, firstChild, readParamsOf, requireAttr } from './xml-util.js';

export const BUILT_IN_CDR_CSV_TEMPLATE =
  '"${caller_id_name}","${caller_id_number}","${destination_number}","${context}","${start_stamp}",' +
  '"${answer_stamp}","${end_stamp}","${duration}","${billsec}","${hangup_cause}","${uuid}","${bleg_uuid}","${accountcode}"';

export interface CdrCsvConf {
  readonly params: NameValueSet;
  /** `default-template`, default `default`. */
  readonly defaultTemplate: string;
  /** `legs`: which legs write a line (`a`, `b` or `ab`), default `a`. */
  readonly legs: { readonly a: boolean; readonly b: boolean };
  /** `rotate-on-hup`, default false. */
  readonly rotateOnHup: boolean;
  /** `log-base`, default log_dir; the module appends `/cdr-csv`. */
  readonly logBase: string;
  /** `master-file-only`, default false. */
  readonly masterFileOnly: boolean;
  /** Template name → template text (untrimmed, as written). */
  readonly templates: ReadonlyMap<string, string>;
  readonly pos: SourcePosition | undefined;
}

export function readCdrCsvConf(el: XmlElement | undefined, logDir: string): CdrCsvConf {
  const params = readParamsOf(el, 'settings');
  const templates = new Map<string, string>();
  for (const t of childrenNamed(firstChild(el, 'templates'), 'template')) {
    templates.set(requireAttr(t, 'name'), t.text);
  }
  if (!templates.has('default')) templates.set('default', BUILT_IN_CDR_CSV_TEMPLATE);

  const dt = params.entry('default-template');
  const defaultTemplate = dt?.value.trim() || 'default';
  if (dt && !templates.has(defaultTemplate)) {
    throw new ConfigError(`default-template "${defaultTemplate}" is not defined in <templates>`, dt.pos);
  }
  const legsEntry = params.entry('legs');
  const legsValue = legsEntry?.value.trim().toLowerCase() ?? 'a';
  if (!/^[ab]{1,2}$/.test(legsValue)) {
    throw new ConfigError(`legs must be a, b or ab, got "${legsEntry?.value}"`, legsEntry?.pos);
  }
  const logBase = params.get('log-base')?.trim();
  return Object.freeze({
    params,
    defaultTemplate,
    legs: Object.freeze({ a: legsValue.includes('a'), b: legsValue.includes('b') }),
    rotateOnHup: params.bool('rotate-on-hup', false),
    logBase: logBase ? logBase : logDir,
    masterFileOnly: params.bool('master-file-only', false),
    templates,
    pos: el?.pos,
  });
}
