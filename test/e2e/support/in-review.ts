import type { Harness } from '../../support/service-harness.js';
import { waitUntil } from '../../support/wait.js';

/** Submits through the public API a request the e2e chain parks for review (claude-*),
 * and waits until it is in review. */
export async function inReview(harness: Harness, email: string): Promise<string> {
  const { body } = await harness.submit(email, 'claude-3-5-sonnet');
  const id = String(body.request_id);
  await waitUntil(async () => (await harness.service.store.get(id))?.state === 'in-review', {
    what: `${email} in review`,
  });
  return id;
}
