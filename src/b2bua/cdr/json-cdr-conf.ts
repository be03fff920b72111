// Typed view of `autoload_configs/json_cdr.conf.xml` (mod_json_cdr's names, spec §9.3): where
// the per-leg JSON documents go, which legs write one, how values are encoded, and where and
// how they are POSTed. Without the file the defaults apply; `url` may also come from the global
// variable `cdr_url`. Bad values are ConfigErrors at the param's file:line:col.

import { ConfigError } from '../../common/index.js';
import { NameValueSet, attr, childrenNamed, firstChild, parseBool, type ConfigTree, type NameValueEntry, type XmlElement } from '../../config/index.js';
import { isAbsolute, join } from 'node:path';

export type JsonCdrPostEncoding = 'none' | 'url' | 'base64';

export interface JsonCdrConf {
  /** Directory of the `<uuid>.cdr.json` files (`log-dir`, default `<log_dir>/json_cdr`). */
  readonly logDir: string;
  /** `log-b-leg`: B-legs write a document too (default true here; FS defaults to false). */
  readonly logBLeg: boolean;
  /** `prefix-a-leg`: A-leg files are named `a_<uuid>.cdr.json` (default true). */
  readonly prefixALeg: boolean;
  /** `encode-values`: variables URL-encoded as FS does (default true). */
  readonly encodeValues: boolean;
  /** `url` params (several = tried in order), else the global `cdr_url`. */
  readonly urls: readonly string[];
  /** `cred`: `user:password` for HTTP basic authentication. */
  readonly cred: string | undefined;
  /** `encode`: how the POST body carries the document (false = raw JSON). */
  readonly encode: JsonCdrPostEncoding;
  /** `retries`: extra tries within one delivery round (default 0). */
  readonly retries: number;
  /** `delay`: seconds between tries, and the first back-off step between rounds (default 5). */
  readonly delaySec: number;
  /** `max-delay` (ours): the longest wait between delivery rounds, seconds (default 300). */
  readonly maxDelaySec: number;
  /** `timeout`: seconds a POST may take (default 10). */
  readonly timeoutSec: number;
  /** `err-log-dir`: a copy of each document whose first delivery round failed. */
  readonly errLogDir: string | undefined;
}

function paramsOf(el: XmlElement | undefined): NameValueSet {
  const settings = firstChild(el, 'settings');
  const entries: NameValueEntry[] = [];
  for (const p of childrenNamed(settings, 'param')) {
    const name = attr(p, 'name');
    const value = attr(p, 'value');
    if (name === undefined || name.trim() === '') throw new ConfigError('<param> needs a name="…" attribute', p.pos);
    if (value === undefined) throw new ConfigError(`<param name="${name}"> needs a value="…" attribute`, p.pos);
    entries.push({ name, value, pos: p.pos });
  }
  return new NameValueSet(entries);
}

function seconds(params: NameValueSet, name: string, fallback: number, max: number): number {
  const e = params.entry(name);
  if (!e || e.value.trim() === '') return fallback;
  const n = Number(e.value.trim());
  if (!Number.isFinite(n) || n < 0 || n > max) throw new ConfigError(`${name} must be a number of seconds between 0 and ${max}, got "${e.value}"`, e.pos);
  return n;
}

function bool(params: NameValueSet, name: string, fallback: boolean): boolean {
  const e = params.entry(name);
  if (!e) return fallback;
  const b = parseBool(e.value);
  if (b === undefined) throw new ConfigError(`${name} must be true or false, got "${e.value}"`, e.pos);
  return b;
}

/** A directory param: absolute as written, relative under `base`. */
function dir(value: string | undefined, base: string, fallback: string): string {
  const v = value?.trim();
  if (!v) return fallback;
  return isAbsolute(v) ? v : join(base, v);
}

/** Read json_cdr.conf from a tree (a missing file gives the defaults). */
export function readJsonCdrConf(tree: ConfigTree): JsonCdrConf {
  const logDir = tree.getGlobal('log_dir') ?? 'log';
  const params = paramsOf(tree.configuration('json_cdr'));
  const urls = params.all('url').map((u) => u.trim()).filter((u) => u !== '');
  for (const u of urls) {
    if (!/^https?:\/\//i.test(u)) throw new ConfigError(`url must be an http:// or https:// URL, got "${u}"`, params.entry('url')?.pos);
  }
  const global = tree.getGlobal('cdr_url')?.trim();
  if (urls.length === 0 && global && /^https?:\/\//i.test(global)) urls.push(global);
  const encodeEntry = params.entry('encode');
  let encode: JsonCdrPostEncoding = 'none';
  if (encodeEntry) {
    const v = encodeEntry.value.trim().toLowerCase();
    if (v === 'base64') encode = 'base64';
    else if (parseBool(v) === true) encode = 'url';
    else if (parseBool(v) !== false) throw new ConfigError(`encode must be true, false or base64, got "${encodeEntry.value}"`, encodeEntry.pos);
  }
  const retriesEntry = params.entry('retries');
  let retries = 0;
  if (retriesEntry) {
    retries = Number(retriesEntry.value.trim());
    if (!Number.isInteger(retries) || retries < 0 || retries > 100) throw new ConfigError(`retries must be a whole number from 0 to 100, got "${retriesEntry.value}"`, retriesEntry.pos);
  }
  const cred = params.get('cred')?.trim();
  const errLog = params.get('err-log-dir')?.trim();
  return Object.freeze({
    logDir: dir(params.get('log-dir'), logDir, join(logDir, 'json_cdr')),
    logBLeg: bool(params, 'log-b-leg', true),
    prefixALeg: bool(params, 'prefix-a-leg', true),
    encodeValues: bool(params, 'encode-values', true),
    urls: Object.freeze(urls),
    cred: cred ? cred : undefined,
    encode,
    retries,
    delaySec: seconds(params, 'delay', 5, 3600),
    maxDelaySec: seconds(params, 'max-delay', 300, 86_400),
    timeoutSec: seconds(params, 'timeout', 10, 3600) || 10,
    errLogDir: errLog ? dir(errLog, logDir, errLog) : undefined,
  });
}
