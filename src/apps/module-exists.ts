// `module_exists <mod>` (spec §4.6, vanilla's `${module_exists(mod_enum)}`): `true` for the
// FreeSWITCH modules whose job this switch does, `false` for the rest, so dialplans written for
// FreeSWITCH take the branches that can work here.

/** The FreeSWITCH modules we stand in for. */
export const MODULES_WE_HAVE: ReadonlySet<string> = new Set([
  'mod_sofia',
  'mod_dptools',
  'mod_commands',
  'mod_dialplan_xml',
  'mod_event_socket',
  'mod_hash',
]);

export function moduleExistsApi(args: string): string {
  return MODULES_WE_HAVE.has(args.trim().toLowerCase()) ? 'true' : 'false';
}
