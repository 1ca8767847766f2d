import { randomBytes, randomUUID } from 'node:crypto';
import { newRequest } from '../src/requests/request-rules.js';
import type { RequestState } from '../src/requests/request-types.js';
import { encodeSecret } from '../src/store/kubernetes/secret-codec.js';
import { startFakeKubernetes } from '../test/support/fake-kubernetes.js';

/** The Kubernetes API server of the Kubernetes case, in a process of its own so the CPU it
 * spends (listing, selectors, JSON) is not counted against the product's process. It starts
 * filled with SEED_COUNT settled requests in SEED_NAMESPACE, written with the product's own
 * Secret codec, and prints `{"url": ...}` once it serves. */

const count = Number(process.env.SEED_COUNT ?? '0');
const namespace = process.env.SEED_NAMESPACE ?? 'default';
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'mistral-7b', 'ollama/llama3.1'];

/** A settled history, as a service that ran for a while holds it: mostly keys handed out, some
 * refused, revoked or parked for an admin; nothing owed by the worker (handled = state). */
function settledState(i: number): RequestState {
  const slot = i % 20;
  return slot < 14 ? 'approved' : slot < 17 ? 'denied' : slot < 19 ? 'revoked' : 'in-review';
}

const fake = await startFakeKubernetes();
const start = Date.now() - count * 60_000;
for (let i = 0; i < count; i++) {
  const state = settledState(i);
  const stamp = new Date(start + i * 60_000).toISOString();
  const request = {
    ...newRequest(
      { id: randomUUID(), email: `stored-${i}@example.com`, model: MODELS[i % MODELS.length] ?? 'gpt-4o' },
      stamp,
    ),
    state,
    handledState: state,
    reason: state === 'denied' ? 'Model not allowed for this address' : null,
    apiKey: state === 'approved' ? `sk-${randomBytes(16).toString('base64url')}` : null,
  };
  fake.storage.create(namespace, encodeSecret(request));
}
process.stdout.write(`${JSON.stringify({ url: fake.url, seeded: count })}\n`);

process.on('SIGTERM', () => {
  fake.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
