// Holds the configuration in force and replaces it on reloadxml. A reload re-reads every file
// and builds a whole new tree; only if that succeeds is it swapped in, in one assignment, so
// calls in progress keep the tree they started with and new calls see the new one. On error
// the old tree stays and the ConfigError (with file:line:col) is returned to the caller.

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ConfigError } from '../common/index.js';
import { silentLogger, type Logger } from '../common/index.js';
import type { ConfigTree } from './config-tree.js';
import { loadConfigTree, type ConfigLoadOptions } from './loader.js';

export type ReloadResult = { ok: true; tree: ConfigTree } | { ok: false; error: ConfigError };

export interface ConfigStoreEvents {
  /** After a successful swap. */
  reload: [current: ConfigTree, previous: ConfigTree];
  /** A reload failed; the previous tree is still in force. */
  reloadFailed: [error: ConfigError];
}

export class ConfigStore extends EventEmitter<ConfigStoreEvents> {
  readonly #opts: ConfigLoadOptions & { coreUuid: string };
  readonly #log: Logger;
  readonly #validators: Array<(tree: ConfigTree) => void> = [];
  #current: ConfigTree;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(opts: ConfigLoadOptions & { coreUuid: string }, tree: ConfigTree) {
    super();
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger;
    this.#current = tree;
  }

  /** Load the configuration; throws ConfigError when it cannot be loaded. */
  static async load(opts: ConfigLoadOptions): Promise<ConfigStore> {
    // One core UUID for the life of the process, kept across reloads.
    const fixed = { ...opts, coreUuid: opts.coreUuid ?? randomUUID() };
    const tree = await loadConfigTree(fixed);
    return new ConfigStore(fixed, tree);
  }

  /** The tree in force. Keep the reference for the duration of one call or transaction. */
  get current(): ConfigTree {
    return this.#current;
  }

  /**
   * Check every new tree before it replaces the current one: a validator that throws (a
   * ConfigError with file:line:col, e.g. a dialplan regex that does not compile) rejects the
   * reload and the old tree stays. Layers above config register theirs at start-up.
   */
  addValidator(validate: (tree: ConfigTree) => void): void {
    this.#validators.push(validate);
  }

  get confDir(): string {
    return this.#opts.confDir;
  }

  get dataDir(): string {
    return this.#opts.dataDir;
  }

  /**
   * Re-read everything (reloadxml). Concurrent calls run one after the other, each reading the
   * files afresh. Never throws.
   */
  reload(): Promise<ReloadResult> {
    const run = this.#queue.then(() => this.#reloadNow());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #reloadNow(): Promise<ReloadResult> {
    let tree: ConfigTree;
    try {
      tree = await loadConfigTree(this.#opts);
      for (const validate of this.#validators) validate(tree);
    } catch (err) {
      const error = err instanceof ConfigError ? err : new ConfigError(String(err), undefined, { cause: err });
      this.#log.error({ err: error.message }, 'reloadxml failed; keeping the previous configuration');
      this.#safeEmit('reloadFailed', error);
      return { ok: false, error };
    }
    const previous = this.#current;
    this.#current = tree;
    this.#log.info({ files: tree.files.length, warnings: tree.warnings.length }, 'configuration reloaded');
    this.#safeEmit('reload', tree, previous);
    return { ok: true, tree };
  }

  // A listener that throws is logged and does not stop the others (or the reload).
  #safeEmit<K extends keyof ConfigStoreEvents>(event: K, ...args: ConfigStoreEvents[K]): void {
    for (const listener of this.rawListeners(event as never) as Array<(...a: unknown[]) => void>) {
      try {
        listener.apply(this, args);
      } catch (err) {
        this.#log.error({ err, event }, 'config store listener threw');
      }
    }
  }
}
