import type { AdminFilter, AdminStats, ListSort } from '../api/api-types.js';

/** How many requests a filter tab holds, from GET /api/admin/stats: `all` is the total,
 * `review` the in-review state, every other filter the state of its name. */
export function filterCount(stats: AdminStats, filter: AdminFilter): number {
  switch (filter) {
    case 'all':
      return stats.total;
    case 'review':
      return stats.by_state['in-review'];
    default:
      return stats.by_state[filter];
  }
}

/** The catalog key naming each list order (`sort.*`). */
export const SORT_KEYS = {
  '-created_at': 'sort.newest',
  created_at: 'sort.oldest',
  '-updated_at': 'sort.changed',
  updated_at: 'sort.unchanged',
} as const satisfies Record<ListSort, string>;
