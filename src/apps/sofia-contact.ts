// `sofia_contact [<profile>|*/]<user>[@<domain>]` (spec §4.3): the dial string that rings every
// registered device of a user — `sofia/<profile>/<contact>` entries joined by `,` — or
// `error/user_not_registered`. It is what the directory's default `dial-string` expands, so a
// `user/1000` bridge rings all of 1000's phones at once. Registrations are read synchronously
// from a contacts source (the registrar's location store implements it); a binding reached at
// another address than its Contact says (NAT, a connection) carries that address as
// `;fs_path=<url-encoded sip:user@ip:port;transport=…>`, which the SIP endpoint sends to.

/** One registered contact of a user, as the registrar knows it. */
export interface RegisteredContact {
  /** The SIP profile that accepted the registration (`internal`). */
  readonly profile: string;
  /** The Contact URI as registered (`sip:1000@192.168.1.20:5062;transport=udp`). */
  readonly contactUri: string;
  /** Where requests really go, when that differs from the Contact (`sip:1000@203.0.113.7:41234`). */
  readonly reachUri?: string | undefined;
}

/** The registrar's view the API needs: the unexpired contacts of user@domain, in order. */
export interface ContactSource {
  contactsOf(user: string, domain: string): readonly RegisteredContact[];
}

export const SOFIA_CONTACT_USAGE = '[profile/]<user>@<domain>';
/** Most contacts put in one dial string (a phone farm under one user is not a ring group). */
export const MAX_CONTACTS = 64;

export interface SofiaContactDeps {
  contacts: ContactSource;
  /** The domain used when the argument names none (the global `domain`). */
  defaultDomain: () => string;
}

/** One dial-string entry for a contact. */
export function contactDialString(c: RegisteredContact): string {
  let uri = c.contactUri;
  if (c.reachUri && c.reachUri !== c.contactUri && !/;fs_path=/i.test(uri)) uri += `;fs_path=${encodeURIComponent(c.reachUri)}`;
  return `sofia/${c.profile}/${uri}`;
}

export function sofiaContactApi(deps: SofiaContactDeps): (args: string) => string {
  return (args) => {
    let spec = args.trim();
    if (spec === '') return `-ERR Usage: sofia_contact ${SOFIA_CONTACT_USAGE}`;
    let profile = '*';
    const slash = spec.indexOf('/');
    if (slash >= 0) {
      profile = spec.slice(0, slash) || '*';
      spec = spec.slice(slash + 1);
    }
    const at = spec.indexOf('@');
    const user = at < 0 ? spec : spec.slice(0, at);
    const domain = (at < 0 ? '' : spec.slice(at + 1)) || deps.defaultDomain();
    if (user === '') return `-ERR Usage: sofia_contact ${SOFIA_CONTACT_USAGE}`;
    const wanted = profile.toLowerCase();
    const entries: string[] = [];
    for (const c of deps.contacts.contactsOf(user, domain)) {
      if (wanted !== '*' && c.profile.toLowerCase() !== wanted) continue;
      entries.push(contactDialString(c));
      if (entries.length >= MAX_CONTACTS) break;
    }
    return entries.length > 0 ? entries.join(',') : 'error/user_not_registered';
  };
}
