/**
 * Keeping passwords out of messages: a server's URL is shown with `***` for its password,
 * and every text that might echo a password (a driver's error, a URL it failed to parse)
 * is scrubbed of each secret known for that connection. Errs on the side of hiding too much.
 */

/** `scheme://user:password@`: the password runs to the last `@`, so an unencoded `@` or `/` in it stays hidden. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):(.*)@/i;
/** `password=secret` or `password='se cret'` in a key/value connection string or a URL query. */
const PASSWORD_PARAMETER = /(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)/gi;

/** A connection URL (`redis://`, `postgres://`, or a key/value string) with its password replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(URL_PASSWORD, '$1:***@').replace(PASSWORD_PARAMETER, '$1***');
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The password of a connection URL in every form a message may show it: as written and percent-decoded. */
export function secretsOf(url: string | undefined): string[] {
  if (!url) return [];
  const written = [
    URL_PASSWORD.exec(url)?.[2],
    /password\s*=\s*'?([^'\s&]*)/i.exec(url)?.[1],
    URL.canParse(url) ? new URL(url).password : undefined,
  ];
  const all = written.flatMap((secret) => (secret ? [secret, decoded(secret)] : []));
  return [...new Set(all.filter((secret): secret is string => !!secret))];
}

/** `text` with every occurrence of each secret replaced by `***`; the longest first, so no part of one is left. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return [...secrets]
    .sort((a, b) => b.length - a.length)
    .reduce((out, s) => (s ? out.replaceAll(s, '***') : out), text);
}
