// Global variables for `$${name}` expansion: the built-in ones FreeSWITCH defines before it
// reads any file (hostname, addresses, directories), those set by `X-PRE-PROCESS cmd="set"`,
// and the `--var NAME=VALUE` overrides from the command line, which win over both and are
// never replaced by a `set`. Names compare case-insensitively, as FreeSWITCH's do.
// Nothing here touches the network: addresses come from os.networkInterfaces() only.

import { createHash } from 'node:crypto';
import { hostname as osHostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';

interface GlobalEntry {
  readonly name: string;
  readonly value: string;
}

export class GlobalVars {
  #vars = new Map<string, GlobalEntry>();
  #overrides = new Map<string, GlobalEntry>();

  constructor(builtIns: Readonly<Record<string, string>>, overrides: Readonly<Record<string, string>> = {}) {
    for (const [name, value] of Object.entries(builtIns)) this.#vars.set(name.toLowerCase(), { name, value });
    for (const [name, value] of Object.entries(overrides)) {
      this.#overrides.set(name.toLowerCase(), { name, value });
    }
  }

  get(name: string): string | undefined {
    const key = name.toLowerCase();
    return (this.#overrides.get(key) ?? this.#vars.get(key))?.value;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** `X-PRE-PROCESS cmd="set"`: ignored for a name the command line overrides. */
  set(name: string, value: string): void {
    const key = name.toLowerCase();
    const existing = this.#vars.get(key);
    this.#vars.set(key, { name: existing?.name ?? name, value });
  }

  isOverridden(name: string): boolean {
    return this.#overrides.has(name.toLowerCase());
  }

  /** Every global after overrides, names as first spelled. */
  snapshot(): ReadonlyMap<string, string> {
    const out = new Map<string, string>();
    for (const [key, e] of this.#vars) out.set(e.name, this.#overrides.get(key)?.value ?? e.value);
    for (const [key, e] of this.#overrides) if (!this.#vars.has(key)) out.set(e.name, e.value);
    return out;
  }
}

export interface BuiltInGlobalsOptions {
  confDir: string;
  dataDir: string;
  /** Default: the parent of confDir (FreeSWITCH's base_dir holds conf/). */
  baseDir?: string;
  coreUuid: string;
  /** For tests: the interface table to pick addresses from. Default os.networkInterfaces(). */
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>;
  hostname?: string;
}

/** The variables that exist before any file is read (spec §1.2 list). */
export function builtInGlobals(opts: BuiltInGlobalsOptions): Record<string, string> {
  const confDir = resolve(opts.confDir);
  const dataDir = resolve(opts.dataDir);
  const baseDir = resolve(opts.baseDir ?? dirname(confDir));
  const host = opts.hostname ?? osHostname();
  const addrs = pickLocalAddresses(opts.interfaces ?? networkInterfaces());
  const sounds = join(dataDir, 'sounds');
  return {
    hostname: host,
    local_ip_v4: addrs.ipv4,
    local_mask_v4: addrs.maskV4,
    local_ip_v6: addrs.ipv6,
    // We never probe NAT (no STUN, no UPnP): the public and private address is the local one.
    nat_public_addr: addrs.ipv4,
    nat_private_addr: addrs.ipv4,
    nat_type: 'none',
    switch_serial: createHash('sha256').update(`${host}\0${confDir}`).digest('hex').slice(0, 16),
    core_uuid: opts.coreUuid,
    base_dir: baseDir,
    conf_dir: confDir,
    data_dir: dataDir,
    db_dir: join(dataDir, 'db'),
    log_dir: join(dataDir, 'log'),
    recordings_dir: join(dataDir, 'recordings'),
    storage_dir: join(dataDir, 'storage'),
    temp_dir: join(dataDir, 'temp'),
    run_dir: join(dataDir, 'run'),
    cache_dir: join(dataDir, 'cache'),
    sounds_dir: sounds,
    sound_prefix: sounds,
    script_dir: join(dataDir, 'scripts'),
    htdocs_dir: join(dataDir, 'htdocs'),
    grammar_dir: join(dataDir, 'grammar'),
    certs_dir: join(dataDir, 'certs'),
    fonts_dir: join(dataDir, 'fonts'),
    images_dir: join(dataDir, 'images'),
    mod_dir: join(baseDir, 'mod'),
  };
}

export interface LocalAddresses {
  ipv4: string;
  maskV4: string;
  ipv6: string;
}

/**
 * The first non-internal IPv4 address (and its mask), and the first non-internal IPv6 address
 * that is not link-local; loopback when there is none.
 */
export function pickLocalAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): LocalAddresses {
  let v4: NetworkInterfaceInfo | undefined;
  let v6: NetworkInterfaceInfo | undefined;
  for (const name of Object.keys(interfaces)) {
    for (const info of interfaces[name] ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv4' && !v4) v4 = info;
      if (info.family === 'IPv6' && !v6 && !/^fe80:/i.test(info.address)) v6 = info;
    }
  }
  return {
    ipv4: v4?.address ?? '127.0.0.1',
    maskV4: v4?.netmask ?? '255.0.0.0',
    ipv6: v6?.address ?? '::1',
  };
}
