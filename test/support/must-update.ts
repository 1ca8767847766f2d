import type { KeyRequest } from '../../src/requests/request-types.js';
import type { RequestPatch, RequestStore } from '../../src/store/request-store.js';

/** A conditional update that must succeed; a conflict or a missing request fails the test. */
export async function mustUpdate(
  store: Pick<RequestStore, 'update'>,
  request: KeyRequest,
  patch: RequestPatch,
): Promise<KeyRequest> {
  const result = await store.update(request.id, request.version, patch);
  if (!result.ok) {
    throw new Error(`update failed: ${result.error.code}`);
  }
  return result.value;
}
