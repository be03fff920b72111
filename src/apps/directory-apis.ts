// API functions over the directory (spec §4.6), usable as `${user_data(…)}` in the dialplan and
// as event-socket/console commands: `user_data <user>@<domain> [var|param|attr] <name>`,
// `domain_exists <domain>` and `group_call <group>@<domain>[+F|+A|+E]`. Each reads the
// configuration current at the call, so reloadxml is seen at once.

import type { ConfigTree } from '../config/index.js';

export const USER_DATA_USAGE = '<user>@<domain> [var|param|attr] <name>';

/**
 * `user_data 1000@example.com var callgroup`: a variable (`var`), a param (`param`) or an
 * attribute of the `<user>` element (`attr`: id, number-alias, cidr, type) of a directory user,
 * merged domain → group → user as FreeSWITCH's locate_user_merged does. Empty when the user or
 * the value does not exist; no domain means the default one.
 */
export function userDataApi(config: () => ConfigTree): (args: string) => string {
  return (args) => {
    const argv = args.trim().split(/\s+/);
    if (argv.length < 3 || !argv[0]) return `-ERR Usage: user_data ${USER_DATA_USAGE}`;
    const [who, type, name] = argv as [string, string, string];
    const at = who.indexOf('@');
    const id = at < 0 ? who : who.slice(0, at);
    const domain = at < 0 ? undefined : who.slice(at + 1);
    const user = config().directory.findUser(id, domain || undefined);
    if (!user) return '';
    switch (type.toLowerCase()) {
      case 'var':
        return user.variables.get(name) ?? '';
      case 'param':
        return user.params.get(name) ?? '';
      case 'attr':
        switch (name) {
          case 'id':
            return user.id;
          case 'number-alias':
            return user.numberAlias ?? '';
          case 'cidr':
            return user.cidr ?? '';
          case 'type':
            return user.user.type ?? '';
          default:
            return '';
        }
      default:
        return `-ERR Usage: user_data ${USER_DATA_USAGE}`;
    }
  };
}

/** `domain_exists example.com`: `true` when the directory has that domain, else `false`. */
export function domainExistsApi(config: () => ConfigTree): (args: string) => string {
  return (args) => {
    const name = args.trim();
    return name !== '' && config().directory.domains.has(name.toLowerCase()) ? 'true' : 'false';
  };
}

/**
 * `group_call sales@example.com[+F|+A|+E]`: a dial string ringing every member of a directory
 * group — at once (`+A`, the default: `,`), one after the other (`+F`: `|`) or as enterprise
 * originates (`+E`: `:_:`). FreeSWITCH pastes each member's expanded dial-string; we return
 * `user/<member>@<domain>` legs, which `bridge` resolves to the same contacts, user variables
 * included. An unknown or empty group gives `error/NO_ROUTE_DESTINATION`.
 */
export function groupCallApi(config: () => ConfigTree): (args: string) => string {
  return (args) => {
    let spec = args.trim();
    let sep = ',';
    const flag = /\+([FAE])$/i.exec(spec);
    if (flag) {
      spec = spec.slice(0, flag.index);
      const f = flag[1]!.toUpperCase();
      sep = f === 'F' ? '|' : f === 'E' ? ':_:' : ',';
    }
    const at = spec.indexOf('@');
    const group = at < 0 ? spec : spec.slice(0, at);
    const domainName = at < 0 ? undefined : spec.slice(at + 1);
    const d = config().directory.domain(domainName || undefined);
    const members = group ? d?.groups.get(group) : undefined;
    if (!d || !members || members.length === 0) return 'error/NO_ROUTE_DESTINATION';
    return members.map((id) => `user/${id}@${d.name}`).join(sep);
  };
}
