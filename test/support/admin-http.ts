import { ADMIN_AUTH } from './service-harness.js';

/** One HTTP call to the service at `url` with the admin credentials; `headers` may replace
 * `authorization` (another credential, or '' for none). The body is parsed as JSON when there
 * is one. */
export async function adminRequest(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: ADMIN_AUTH,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read whichever shape the route answers
  const json: any = text ? JSON.parse(text) : null;
  return { status: response.status, headers: response.headers, text, json };
}
