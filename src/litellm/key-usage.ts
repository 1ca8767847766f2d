import type { KeyUsage } from '../requests/requester-view.js';
import type { LiteLlmClient } from './litellm-types.js';

export interface KeyUsageDeps {
  litellm: Pick<LiteLlmClient, 'keyInfo'>;
  /** How long a page waits for LiteLLM before it is shown without spend and budget. */
  timeoutMs: number;
}

/** Spend and budget of a key by its hash, for the requester's page and the admin detail.
 * A nice-to-have next to the request: when LiteLLM does not know the key, fails or takes longer
 * than `timeoutMs`, the answer is null and the page goes without it rather than waiting. The
 * call itself is left to finish under the client's own timeout. */
export function createKeyUsageLookup({ litellm, timeoutMs }: KeyUsageDeps) {
  return async (keyHash: string): Promise<KeyUsage | null> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    const asked = litellm.keyInfo(keyHash).then((result) =>
      result.ok && result.value !== null
        ? {
            // LiteLLM starts every key at 0.0; a missing figure means nothing was recorded yet.
            spend: result.value.spend ?? 0,
            maxBudget: result.value.maxBudget,
            budgetDuration: result.value.budgetDuration,
          }
        : null,
    );
    try {
      return await Promise.race([asked, late]);
    } finally {
      clearTimeout(timer);
    }
  };
}
