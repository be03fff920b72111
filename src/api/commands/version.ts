// `version` and `version short` (spec §6.2), with our product name and package version.

import type { ApiCommand } from '../registry.js';
import { formatVersionLine, productInfo, type ProductInfo } from '../product.js';

export function versionCommand(product: ProductInfo = productInfo()): ApiCommand {
  return {
    description: 'Version',
    usage: '[short]',
    handler(args) {
      if (args.trim().toLowerCase() === 'short') return `${product.version}\n`;
      return `${formatVersionLine(product)}\n`;
    },
  };
}
