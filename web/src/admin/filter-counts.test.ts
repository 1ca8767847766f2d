import { describe, expect, it } from 'vitest';
import { ADMIN_FILTERS, LIST_SORTS } from '../api/api-types.js';
import { filterCount, SORT_KEYS } from './filter-counts.js';

describe('filterCount', () => {
  const stats = {
    total: 21,
    by_state: { pending: 1, 'in-review': 2, approved: 3, denied: 4, revoked: 5, expired: 6 },
    notification_failed: 0,
  };

  it('counts each tab from the per-state figures: review is in-review, all the total', () => {
    expect(ADMIN_FILTERS.map((filter) => [filter, filterCount(stats, filter)])).toEqual([
      ['pending', 1],
      ['review', 2],
      ['approved', 3],
      ['denied', 4],
      ['revoked', 5],
      ['expired', 6],
      ['all', 21],
    ]);
  });

  it('names every order the API offers', () => {
    expect(Object.keys(SORT_KEYS).sort()).toEqual([...LIST_SORTS].sort());
  });
});
