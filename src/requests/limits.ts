/** The bounds of every input the service accepts, in one place. The HTTP route schemas
 * (TypeBox), the config schema, the MCP tools (zod) and the CLI read them from here, so a
 * limit changes everywhere at once and no front is looser than another. */

export { MAX_EMAIL_LENGTH } from './email.js';

/** Model ids as LiteLLM spells them (`ollama/llama3.1`, `gpt-4o@2024-08-06`): no blanks, quotes
 * or control characters, so an id is safe in a URL, a Secret annotation and a mail subject. */
export const MODEL_ID_MAX_LENGTH = 200;
export const MODEL_ID_PATTERN = `^[A-Za-z0-9._:/@+-]{1,${MODEL_ID_MAX_LENGTH}}$`;

/** Request ids are ours (UUIDs, or the Kubernetes store's derived ids); anything else is a typo or a probe. */
export const REQUEST_ID_MAX_LENGTH = 64;
export const REQUEST_ID_PATTERN = `^[A-Za-z0-9-]{1,${REQUEST_ID_MAX_LENGTH}}$`;
/** The rule in words, for error messages: `a request id is <rule>`. */
export const REQUEST_ID_RULE = `1-${REQUEST_ID_MAX_LENGTH} letters, digits and dashes`;

/** An admin's reason is mailed to the requester and stored with the request. */
export const MAX_REASON_LENGTH = 1000;

/** One page of the admin list (HTTP and MCP); the CLI reads as many pages as it is asked for. */
export const PAGE_SIZE = { min: 1, max: 200, default: 50 } as const;
/** The most requests one admin list answer holds: the HTTP list without `limit` (the original
 * service's admin app reads one answer), the original's MCP list tools, the CLI's `--limit`. */
export const ADMIN_LIST_MAX = 1000;
/** Cursors are opaque tokens of the store; a longer one was not made by us. */
export const MAX_CURSOR_LENGTH = 2000;

/** A regular expression source matching the whole numbers `1`..`max` written plainly (no sign,
 * no leading zero). Query strings are never coerced to numbers (see app.ts), so a numeric
 * bound on a query parameter is a pattern. */
export function wholeNumberPattern(max: number): string {
  const digits = String(max);
  // Every number with fewer digits than `max`, then those with as many digits that stay below it.
  const shorter = digits.length > 1 ? [`[1-9][0-9]{0,${digits.length - 2}}`] : [];
  const sameLength: string[] = [];
  for (let index = 0; index < digits.length; index++) {
    const low = index === 0 ? 1 : 0;
    const high = Number(digits[index]) - 1;
    if (high >= low) {
      const rest = digits.length - index - 1;
      sameLength.push(`${digits.slice(0, index)}[${low}-${high}]${rest > 0 ? `[0-9]{${rest}}` : ''}`);
    }
  }
  return `^(${[...shorter, ...sameLength, digits].join('|')})$`;
}
