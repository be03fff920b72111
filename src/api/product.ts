// Our product name and version, as `version`, `status` and HEARTBEAT print them. The version
// comes from package.json, found by walking up from this file (it sits at a different depth
// under src/ and dist/src/).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ProductInfo {
  /** `softswitch`. */
  readonly name: string;
  /** `0.1.0`. */
  readonly version: string;
  /** `64bit` or `32bit`. */
  readonly bits: string;
}

export const PRODUCT_NAME = 'softswitch';

let cached: ProductInfo | undefined;

export function productInfo(): ProductInfo {
  if (cached) return cached;
  cached = { name: PRODUCT_NAME, version: readPackageVersion() ?? '0.0.0', bits: archBits() };
  return cached;
}

function archBits(): string {
  return /64/.test(process.arch) ? '64bit' : '32bit';
}

function readPackageVersion(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PRODUCT_NAME && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** `softswitch Version 0.1.0~64bit (0.1.0 64bit)`: FreeSWITCH's `version` line shape. */
export function formatVersionLine(p: ProductInfo = productInfo()): string {
  return `${p.name} Version ${p.version}~${p.bits} (${p.version} ${p.bits})`;
}
