/** The one scrubber for text that leaves the process as a log line or a stored `lastError`:
 * error messages of LiteLLM, the mail server and approval endpoints, which may echo what we
 * sent them. Structured log fields are redacted by the logger itself (REDACTED_PATHS). */

export const REDACTED = '[redacted]';

/** Known secrets shorter than this are left alone: a one- or two-letter value would erase
 * ordinary text, and the empty default master key would match everywhere. */
const MIN_SECRET_LENGTH = 4;

/** A LiteLLM key: `sk-` and whatever follows up to a delimiter, so a full key, the
 * abbreviation LiteLLM echoes (`sk-...abcd`) and a key in a URL (`?key=sk-…`) all match.
 * Not preceded by a letter or digit, so words like `disk-full` stay readable. Brackets end
 * a match, so text redacted once (`sk-[redacted]`) comes out of a second pass unchanged. */
const API_KEY = /(?<![A-Za-z0-9])sk-[^\s"'`,;()[\]{}<>&]+/g;
/** A bearer token in an echoed Authorization header. */
const BEARER = /\bBearer\s+[^\s"'`,;()[\]{}<>]+/gi;
/** A sha256 hex digest: LiteLLM's key hash (its `token`), which its admin endpoints accept
 * in place of the key. */
const HASH = /\b[0-9a-f]{64}\b/gi;
/** A credential in a URL's query string, whatever the value looks like. */
const QUERY_SECRET =
  /([?&](?:key|api_key|api-key|apikey|token|access_token|secret|password|sig|signature)=)[^&#\s"'`]+/gi;
/** The password of a `scheme://user:password@host` URL. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@\s/]+@/gi;

/** Replaces every known secret (longest first, so a secret that contains another goes
 * whole) and anything shaped like a key, a key hash, a bearer token or a URL credential. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let result = text;
  const known = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  for (const secret of [...known].sort((a, b) => b.length - a.length)) {
    result = result.split(secret).join(REDACTED);
  }
  return result
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(QUERY_SECRET, `$1${REDACTED}`)
    .replace(API_KEY, `sk-${REDACTED}`)
    .replace(BEARER, `Bearer ${REDACTED}`)
    .replace(HASH, '[hash]');
}

/** Keys shorter than this after `sk-` are masked whole: four characters of a short value
 * would give away too much of it. */
const MIN_MASKABLE_KEY = 12;

/** Shows every LiteLLM key in `text` as `sk-…abcd`, its last four characters: enough to tell
 * keys apart, useless to an attacker (the form the admin views use). */
export function maskApiKeys(text: string): string {
  return text.replace(API_KEY, (key) => {
    const value = key.slice('sk-'.length);
    return value.length >= MIN_MASKABLE_KEY ? `sk-…${value.slice(-4)}` : 'sk-…';
  });
}
