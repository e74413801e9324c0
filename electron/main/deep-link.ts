/** The scheme the OS hands to FirstKey, e.g. `firstkey://enrol?code=ABCD-...`. */
export const LINK_SCHEME = 'firstkey';

/**
 * Pulls an enrolment code out of a `firstkey://enrol?code=...` link. Anything else,
 * including a link to another action or a code with characters no code has, is
 * ignored: links arrive from outside (mail, chat) and are untrusted.
 */
export function codeFromLink(link: string): string | null {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.protocol !== `${LINK_SCHEME}:`) return null;
  // `firstkey://enrol?...` parses with host "enrol"; `firstkey:enrol?...` with pathname "enrol".
  const action = url.host || url.pathname.replace(/^\/+/, '');
  if (action !== 'enrol') return null;
  const code = url.searchParams.get('code')?.trim() ?? '';
  return /^[A-Za-z0-9 -]{8,64}$/.test(code) ? code : null;
}

/** On Windows and Linux the link arrives as a command-line argument of a second instance. */
export function linkFromArgv(argv: readonly string[]): string | null {
  return argv.find((arg) => arg.toLowerCase().startsWith(`${LINK_SCHEME}:`)) ?? null;
}
