import type { ModelCatalog } from '../models/model-catalog.js';
import { notFound, storeCall, validationError } from '../shared/errors.js';
import type { RequestStore } from '../store/request-store.js';
import { normalizeEmail } from './email.js';
import type { KeyRequest } from './request-types.js';

export interface RequestServiceDeps {
  store: Pick<RequestStore, 'create' | 'get'>;
  catalog: Pick<ModelCatalog, 'isRequestable'>;
  /** Tells the local worker there is new work, so it need not wait for its interval. */
  wakeWorker: () => void;
}

export interface SubmitResult {
  request: KeyRequest;
  created: boolean;
}

/** The requester's side: submit a request, read its status. */
export function createRequestService({ store, catalog, wakeWorker }: RequestServiceDeps) {
  return {
    async submit(input: { email: string; llm: string }): Promise<SubmitResult> {
      const email = normalizeEmail(input.email);
      if (!email.ok) {
        throw validationError(
          ['body', 'email'],
          `value is not a valid email address: ${email.error.message}`,
        );
      }
      const model = input.llm.trim();
      if (!(await catalog.isRequestable(model))) {
        throw validationError(
          ['body', 'llm'],
          `Unknown model ${JSON.stringify(model)}: choose one of the ids listed by GET /api/models`,
        );
      }
      const result = await storeCall(() => store.create({ email: email.value, model }));
      if (result.created) {
        wakeWorker();
      }
      return result;
    },

    async status(id: string): Promise<KeyRequest> {
      const request = await storeCall(() => store.get(id));
      if (!request) {
        throw notFound(`No key request with id ${JSON.stringify(id)}`);
      }
      return request;
    },
  };
}

export type RequestService = ReturnType<typeof createRequestService>;
