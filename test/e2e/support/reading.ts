import type { Page } from 'playwright-core';

// Code run inside the page is passed as a string expression or touches the DOM only through its
// argument: the repository's tsconfig has no DOM library (it type-checks Node code).

/** A request's history as the page lists it (console detail or requester's page): each
 * entry's action, oldest first. */
export function historyActions(page: Page): Promise<(string | null)[]> {
  return page
    .getByTestId('history')
    .locator('li')
    .evaluateAll((items) => items.map((item) => item.getAttribute('data-action')));
}

/** The text of the element that has the keyboard focus. */
export function activeText(page: Page): Promise<string | null> {
  return page.evaluate<string | null>('document.activeElement?.textContent ?? null');
}
