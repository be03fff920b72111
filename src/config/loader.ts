// Loads a configuration tree from disk: built-in globals + `--var` overrides → pre-processor
// (includes, sets, `$${}`) → saxes → typed views. Every failure is a ConfigError with the
// original file:line:col where one is known; nothing is half-loaded.

import { randomUUID } from 'node:crypto';
import { ConfigError } from '../common/index.js';
import { silentLogger, type Logger } from '../common/index.js';
import { ConfigTree } from './config-tree.js';
import { builtInGlobals, GlobalVars } from './globals.js';
import { preprocess } from './preprocessor.js';
import { parseXmlDocument } from './xml-parser.js';

export interface ConfigLoadOptions {
  /** The conf directory (holds freeswitch.xml). */
  confDir: string;
  /** The data directory: db, log, recordings … are subfolders (not created at load time). */
  dataDir: string;
  /** `--var NAME=VALUE` overrides: they win over vars.xml and the built-ins. */
  overrides?: Readonly<Record<string, string>>;
  logger?: Logger;
  /** Root file, relative to confDir (default freeswitch.xml). */
  rootFile?: string;
  /** The process's core UUID (global `core_uuid`); a new one by default. */
  coreUuid?: string;
  /** Default: the parent of confDir. */
  baseDir?: string;
  /** Environment for `env-set` (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export async function loadConfigTree(opts: ConfigLoadOptions): Promise<ConfigTree> {
  const log = opts.logger ?? silentLogger;
  const globals = new GlobalVars(
    builtInGlobals({ confDir: opts.confDir, dataDir: opts.dataDir, baseDir: opts.baseDir, coreUuid: opts.coreUuid ?? randomUUID() }),
    opts.overrides ?? {},
  );
  try {
    const pre = await preprocess({
      rootFile: opts.rootFile ?? 'freeswitch.xml',
      confDir: opts.confDir,
      globals,
      env: opts.env,
      logger: log,
    });
    const document = parseXmlDocument(pre.text, pre.lineMap);
    const tree = new ConfigTree({ document, text: pre.text, files: pre.files, globals: globals.snapshot() });
    for (const w of tree.warnings) {
      log.warn({ at: w.pos ? `${w.pos.file}:${w.pos.line}:${w.pos.column}` : undefined }, w.message);
    }
    return tree;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // A bug of ours must not take the switch down on reloadxml: report it as a config failure.
    throw new ConfigError(`internal error while loading the configuration: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/**
 * Parse `--var NAME=VALUE` arguments into overrides. The value may contain `=`; the name must
 * be a plain variable name.
 */
export function parseVarOverrides(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = eq < 0 ? '' : arg.slice(0, eq).trim();
    if (eq < 0 || !/^[A-Za-z0-9_.-]+$/.test(name)) {
      throw new ConfigError(`--var expects NAME=VALUE (e.g. --var internal_sip_port=5060), got "${arg}"`);
    }
    out[name] = arg.slice(eq + 1);
  }
  return out;
}
