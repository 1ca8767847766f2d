import type { KeyRequest } from '../requests/request-types.js';
import type { Page } from '../store/request-store.js';
import type { AdminFilter, AdminService, ListSearch } from './admin-service.js';

/** Up to `limit` requests in the order `search.sort` names (newest first by default), narrowed
 * by `search.q`, from `cursor` on: stores cap one page (SQLite at 500),
 * so this reads pages until `limit` are in or none are left. `nextCursor` continues after the
 * last one returned. */
export async function listUpTo(
  admin: Pick<AdminService, 'list'>,
  filter: AdminFilter,
  limit: number,
  cursor?: string,
  search: ListSearch = {},
): Promise<Page<KeyRequest>> {
  const items: KeyRequest[] = [];
  let next = cursor ?? null;
  do {
    const page = await admin.list(filter, limit - items.length, next ?? undefined, search);
    items.push(...page.items);
    next = page.nextCursor;
  } while (next !== null && items.length < limit);
  return { items, nextCursor: next };
}
