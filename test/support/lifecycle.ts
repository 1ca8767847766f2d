import { expect } from 'vitest';
import { createAdminService } from '../../src/admin/admin-service.js';
import type { KeyRequest, RequestState } from '../../src/requests/request-types.js';
import { adminRequest } from './admin-http.js';
import type { FakeLiteLlm } from './fake-litellm.js';
import type { Harness } from './service-harness.js';
import type { ReceivedMail } from './smtp-sink.js';
import { waitUntil } from './wait.js';

/** Helpers of the key lifecycle tests (test/lifecycle-*.test.ts), which run every scenario on
 * both stores through the real service. */

/** The audit trail as `actor action` lines, oldest first. */
export function trail(request: KeyRequest): string[] {
  return request.history.map((entry) => `${entry.actor} ${entry.action}`);
}

/** A call to the admin API with the harness's admin credentials. */
export async function adminCall(h: Harness, method: string, path: string, body?: unknown) {
  const { status, json } = await adminRequest(h.url, method, path, body);
  return { status, json: json as Record<string, unknown> | null };
}

/** The admin service on the harness's store, for what has no route yet (resend). */
export function adminService(h: Harness) {
  return createAdminService({
    store: h.service.store,
    wakeWorker: () => h.service.worker.wake(),
    lifecycle: h.config.lifecycle,
  });
}

/** POSTs a request and returns its id (a new request). */
export async function submitted(h: Harness, email: string, model: string, extra = {}): Promise<string> {
  const { status, body } = await h.submit(email, model, extra);
  expect(status).toBe(200);
  expect(typeof body.request_id).toBe('string');
  return String(body.request_id);
}

/** POSTs for an existing request: the neutral answer, whatever it started. */
export async function submittedAgain(h: Harness, email: string, model: string): Promise<void> {
  const { status, body } = await h.submit(email, model);
  expect(status).toBe(200);
  expect(body).toMatchObject({ success: true, request_id: null });
}

/** Waits until the request is settled in `state` (and, when given, in `cycle`). */
export function settledIn(
  h: Harness,
  id: string,
  state: RequestState,
  cycle?: number,
  timeoutMs = 20_000,
): Promise<KeyRequest> {
  return waitUntil(
    async () => {
      const request = await h.service.store.get(id);
      return request !== null &&
        request.state === state &&
        request.handledState === state &&
        request.work.owner === null &&
        (cycle === undefined || request.cycle === cycle)
        ? request
        : null;
    },
    {
      timeoutMs,
      what: `request ${id} settled as ${state}${cycle === undefined ? '' : ` in cycle ${cycle}`}`,
    },
  );
}

/** The mails with this Message-ID kind and cycle, e.g. `approval`, 1. */
export function mailsOf(h: Harness, id: string, kind: string, cycle: number): ReceivedMail[] {
  return h.smtp.messages.filter((mail) => mail.messageId === `<${id}.${kind}.c${cycle}@llm-key-requestor>`);
}

/** Waits for the one mail of a kind and cycle. */
export function mailOf(h: Harness, id: string, kind: string, cycle: number): Promise<ReceivedMail> {
  return h.smtp.waitFor((mail) => mail.messageId === `<${id}.${kind}.c${cycle}@llm-key-requestor>`, 15_000);
}

/** The key LiteLLM holds under this hash (the store keeps only the hash once it is mailed). */
export function keyOf(litellm: FakeLiteLlm, keyHash: string | null): string {
  const key = litellm.allKeys().find((record) => record.token === keyHash)?.key;
  if (key === undefined) {
    throw new Error('LiteLLM holds no key with that hash');
  }
  return key;
}

/** No call to LiteLLM carried a full key in its URL (its access log). */
export function expectNoKeyInUrls(litellm: FakeLiteLlm): void {
  expect(litellm.calls.length).toBeGreaterThan(0);
  expect(
    litellm.calls.filter((call) => /sk-/.test(decodeURIComponent(call.url))).map((call) => call.url),
  ).toEqual([]);
}

/** Deletes a key on the fake LiteLLM the way someone at the proxy would. */
export async function deleteOnLiteLlm(litellm: FakeLiteLlm, keyHash: string): Promise<void> {
  const response = await fetch(`${litellm.url}/key/delete`, {
    method: 'POST',
    headers: { authorization: `Bearer ${litellm.masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ keys: [keyHash] }),
  });
  expect(response.status).toBe(200);
}

/** `kubectl label` and `annotate` the request's Secret into `state`, as an operator would. */
export async function relabel(h: Harness, id: string, state: RequestState): Promise<void> {
  if (h.kube === null) {
    throw new Error('relabel needs the Kubernetes store');
  }
  const name = `llm-key-request-${id}`;
  expect(await h.kube.kubectl('label', 'secret', name, `request-state=${state}`, '--overwrite')).toContain(
    `secret/${name} labeled`,
  );
  await h.kube.kubectl('annotate', 'secret', name, `state=${state}`, '--overwrite');
}
