import type { KeyRequest, RequestState } from '../requests/request-types.js';
import { AppError, notFound, storeCall } from '../shared/errors.js';
import type { Page, RequestPatch, RequestStore } from '../store/request-store.js';

export const ADMIN_FILTERS = ['pending', 'review', 'approved', 'denied', 'revoked', 'all'] as const;
export type AdminFilter = (typeof ADMIN_FILTERS)[number];

const FILTER_STATE: Record<AdminFilter, RequestState | undefined> = {
  pending: 'pending',
  review: 'in-review',
  approved: 'approved',
  denied: 'denied',
  revoked: 'revoked',
  all: undefined,
};

/** Which states each admin action may start from (DESIGN.md "Request states"). */
const ACTIONS = {
  approve: { from: ['pending', 'in-review'], to: 'approved' },
  deny: { from: ['pending', 'in-review'], to: 'denied' },
  revoke: { from: ['approved'], to: 'revoked' },
} as const satisfies Record<string, { from: readonly RequestState[]; to: RequestState }>;
export type AdminAction = keyof typeof ACTIONS;

export interface AdminServiceDeps {
  store: Pick<RequestStore, 'get' | 'list' | 'update'>;
  /** The worker mints, mails and deletes keys after a decision; wake it so that happens now. */
  wakeWorker: () => void;
}

/** The reviewer's side: list and inspect requests, approve, deny, revoke. Decisions only
 * change the state; the worker does the rest (mint, mail, delete), exactly as it does
 * for a `kubectl label` edit, so there is one code path for side effects. */
export function createAdminService({ store, wakeWorker }: AdminServiceDeps) {
  async function get(id: string): Promise<KeyRequest> {
    const request = await storeCall(() => store.get(id));
    if (!request) {
      throw notFound(`No key request with id ${JSON.stringify(id)}`);
    }
    return request;
  }

  return {
    get,

    list(filter: AdminFilter, limit: number, cursor?: string): Promise<Page<KeyRequest>> {
      const state = FILTER_STATE[filter];
      return storeCall(() =>
        store.list({
          limit,
          ...(state === undefined ? {} : { state }),
          ...(cursor === undefined ? {} : { cursor }),
        }),
      );
    },

    async decide(action: AdminAction, id: string, reason: string): Promise<KeyRequest> {
      const rule = ACTIONS[action];
      // A conflict here is usually the worker renewing its lease; re-read and try again.
      for (let attempt = 0; attempt < 5; attempt++) {
        const request = await get(id);
        if (!(rule.from as readonly RequestState[]).includes(request.state)) {
          throw new AppError(
            'conflict',
            `Cannot ${action} a request that is ${request.state}; allowed from: ${rule.from.join(', ')}`,
          );
        }
        const patch: RequestPatch = { state: rule.to, reason };
        const result = await storeCall(() => store.update(id, request.version, patch));
        if (result.ok) {
          wakeWorker();
          return result.value;
        }
        if (result.error.code === 'not-found') {
          throw notFound(`No key request with id ${JSON.stringify(id)}`);
        }
      }
      throw new AppError('conflict', 'The request is changing right now; try again');
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
