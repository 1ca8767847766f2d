import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN_AUTH,
  ADMIN_ENV,
  type Harness,
  REVIEW_CONFIG,
  startHarness,
} from './support/service-harness.js';

/** The original service's admin app (a Vue app served from its own origin) and the scripts
 * written against that API, replayed call for call: the same paths, methods, headers and
 * bodies (none for verify and approve, although they say `Content-Type: application/json`),
 * and checks on exactly the fields the app reads. */

/** The admin app's origin in the original's defaults; it must be listed in CORS_ORIGINS. */
const APP_ORIGIN = 'http://localhost:5174';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

/** One call as the app's API client makes it: Basic auth and a JSON content type on every
 * call, GET included; a body only when `body` is given, else Content-Length 0. */
function appCall(
  harness: Harness,
  method: string,
  path: string,
  options: { body?: string; authorization?: string; contentType?: string | null; origin?: string } = {},
): Promise<Answer> {
  const body = options.body ?? '';
  const headers: Record<string, string> = {
    authorization: options.authorization ?? ADMIN_AUTH,
    'content-length': String(Buffer.byteLength(body)),
    ...(options.contentType === null ? {} : { 'content-type': options.contentType ?? 'application/json' }),
    ...(options.origin ? { origin: options.origin } : {}),
  };
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${harness.url}${path}`, { method, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          json: text ? JSON.parse(text) : null,
        });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The fields the app's table and detail dialog read, with the types it relies on. */
function expectAppRow(row: unknown): void {
  expect(row).toMatchObject({
    request_id: expect.any(String),
    email: expect.any(String),
    model: expect.any(String),
    state: expect.stringMatching(/^(pending|approved|denied|in-review)$/),
    created_at: expect.any(String),
    updated_at: expect.any(String),
  });
  const { created_at, updated_at, api_key } = row as Record<string, unknown>;
  expect(Number.isNaN(new Date(String(created_at)).getTime())).toBe(false);
  expect(Number.isNaN(new Date(String(updated_at)).getTime())).toBe(false);
  expect(api_key === null || typeof api_key === 'string').toBe(true);
}

function rows(answer: Answer): Record<string, unknown>[] {
  expect(Array.isArray(answer.json)).toBe(true);
  const list = answer.json as Record<string, unknown>[];
  list.forEach(expectAppRow);
  return list;
}

describe("the original admin app's calls", () => {
  it('signs in with a bodiless verify, and is refused with wrong credentials', async () => {
    h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
    const ok = await appCall(h, 'POST', '/api/admin/verify');
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ authenticated: true, username: 'root' });
    // An empty JSON object, as some scripts send, is just as fine.
    expect((await appCall(h, 'POST', '/api/admin/verify', { body: '{}' })).status).toBe(200);

    const wrong = await appCall(h, 'POST', '/api/admin/verify', {
      authorization: `Basic ${Buffer.from('root:guess').toString('base64')}`,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic/);
    expect(wrong.json).toMatchObject({ detail: 'Invalid credentials' });
  });

  it('loads the three tabs, approves without a body, denies with an untrimmed reason', async () => {
    h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV });
    const submit = async (email: string, model: string) =>
      String((await h?.submit(email, model))?.body.request_id);
    const reviewed = await submit('rev@example.com', 'gpt-4');
    const approvedByChain = await submit('auto@example.com', 'ollama/llama2');
    await h.settled(reviewed);
    await h.settled(approvedByChain);

    // Pending tab (the default) and In Review tab.
    expect(rows(await appCall(h, 'GET', '/api/admin/requests?filter=pending'))).toEqual([]);
    const inReview = rows(await appCall(h, 'GET', '/api/admin/requests?filter=review'));
    expect(inReview.map((row) => [row.request_id, row.state, row.api_key])).toEqual([
      [reviewed, 'in-review', null],
    ]);
    // All Requests tab: the approved one shows its key, masked here (the original showed it in full).
    const everything = rows(await appCall(h, 'GET', '/api/admin/requests?filter=all'));
    expect(everything.map((row) => row.request_id)).toEqual([approvedByChain, reviewed]);
    // The store keeps only the hash once the key is mailed; LiteLLM has the key itself.
    const minted = await h.request(approvedByChain);
    const fullKey = h.litellm.liveKeys().find((key) => key.token === minted.keyHash)?.key ?? 'no key';
    expect(everything[0]?.api_key).toBe(`sk-…${fullKey.slice(-4)}`);

    // Approve from the table: no body at all, Content-Length 0, JSON content type.
    const approve = await appCall(h, 'POST', `/api/admin/requests/${reviewed}/approve`);
    expect(approve.status).toBe(200);
    expect(approve.json).toMatchObject({
      success: true,
      message: `Request ${reviewed} approved successfully`,
    });
    await h.settled(reviewed);
    const afterApprove = rows(await appCall(h, 'GET', '/api/admin/requests?filter=all'));
    expect(afterApprove.find((row) => row.request_id === reviewed)).toMatchObject({
      state: 'approved',
      api_key: expect.stringMatching(/^sk-…/),
    });

    // Deny from the dialog: the text as typed, blanks included.
    const third = await submit('third@example.com', 'gpt-4');
    await h.settled(third);
    const deny = await appCall(h, 'POST', `/api/admin/requests/${third}/deny`, {
      body: JSON.stringify({ reason: '  Budget is used up  ' }),
    });
    expect(deny.status).toBe(200);
    expect(deny.json).toMatchObject({ success: true, message: `Request ${third} denied successfully` });
    const denied = rows(await appCall(h, 'GET', '/api/admin/requests?filter=all')).find(
      (row) => row.request_id === third,
    );
    expect(denied).toMatchObject({ state: 'denied', api_key: null });
    await h.smtp.waitFor(
      (m) => m.subject === 'API Key Request Denied for gpt-4' && m.text.includes('Budget is used up'),
    );
  });

  it('reads failures from a JSON message field, and a later 401 as signed out', async () => {
    h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
    const id = String((await h.submit('dev@example.com', 'gpt-4')).body.request_id);
    expect(
      (await appCall(h, 'POST', `/api/admin/requests/${id}/deny`, { body: '{"reason":"no"}' })).status,
    ).toBe(200);
    // A second denial (the app's list was stale): approving would re-issue, denying again may not.
    const again = await appCall(h, 'POST', `/api/admin/requests/${id}/deny`, {
      body: '{"reason":"still no"}',
    });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({
      message: expect.stringMatching(/Cannot deny a request that is denied/),
    });

    const stale = await appCall(h, 'GET', '/api/admin/requests?filter=pending', {
      authorization: `Basic ${Buffer.from('root:old password').toString('base64')}`,
    });
    expect(stale.status).toBe(401);
  });

  it('works from its own origin when that origin is listed in CORS_ORIGINS', async () => {
    h = await startHarness({
      configYaml: REVIEW_CONFIG,
      env: { ...ADMIN_ENV, CORS_ORIGINS: APP_ORIGIN },
      startWorker: false,
    });
    const preflight = await fetch(`${h.url}/api/admin/requests?filter=pending`, {
      method: 'OPTIONS',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const list = await appCall(h, 'GET', '/api/admin/requests?filter=pending', { origin: APP_ORIGIN });
    expect(list.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    rows(list);
  });
});

describe("scripts written against the original's admin API", () => {
  it('approve with curl -X POST: no body and no content type', async () => {
    h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
    const id = String((await h.submit('dev@example.com', 'gpt-4')).body.request_id);
    const approve = await appCall(h, 'POST', `/api/admin/requests/${id}/approve`, { contentType: null });
    expect(approve.status).toBe(200);
    expect((await h.request(id)).state).toBe('approved');
  });

  it('reads one request by id', async () => {
    h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
    const id = String((await h.submit('dev@example.com', 'gpt-4')).body.request_id);
    const one = await appCall(h, 'GET', `/api/admin/requests/${id}`);
    expect(one.status).toBe(200);
    expectAppRow(one.json);
    expect(one.json).toMatchObject({ request_id: id, state: 'in-review', api_key: null });
  });
});
