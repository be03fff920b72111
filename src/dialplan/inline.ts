// The `inline` dialplan (FS mod_dptools inline_dialplan_hunt): the "destination" of
// `transfer '<list>' inline` or `originate … '<list>' inline` is itself the task list,
// `app[:arg],app[:arg],…`. A leading `m:<c>:` makes <c> the separator (`m:^:set:a=1^bridge:…`).
// Items are split outside quotes, `{…}`/`[…]` and `${…}` and cleaned as FS does (quotes
// stripped, spaces trimmed); each item's first `:` separates the app from its argument.

import { cleanupSeparated, splitOutsideNesting } from './app-args.js';
import type { DialplanAction } from './hunt.js';

/** FS's caller-extension name for an inline dialplan. */
export const INLINE_EXTENSION_NAME = 'inline';

/** Most items split out; the last one keeps the rest of the text (FS uses a fixed-size array too). */
export const MAX_INLINE_ACTIONS = 128;

/** Parse an inline dialplan into the same action list hunting produces. */
export function parseInlineDialplan(list: string): DialplanAction[] {
  let text = list;
  let delim = ',';
  if (text.length >= 4 && text[0] === 'm' && text[1] === ':' && text[3] === ':') {
    delim = text[2]!;
    text = text.slice(4);
  }
  const actions: DialplanAction[] = [];
  for (const raw of splitOutsideNesting(text, delim, MAX_INLINE_ACTIONS)) {
    const item = cleanupSeparated(raw, delim);
    if (item === '') continue;
    const colon = item.indexOf(':');
    const app = colon === -1 ? item : item.slice(0, colon);
    const data = colon === -1 ? '' : item.slice(colon + 1);
    if (app === '') continue;
    actions.push({ app, data, extension: INLINE_EXTENSION_NAME });
  }
  return actions;
}
