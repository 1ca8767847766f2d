import { type Dispatch, type SetStateAction, useEffect, useRef, useState } from 'react';
import { api } from '../api/api-client.js';
import type { RequestStatus } from '../api/api-types.js';
import { browserStorage } from '../shared/browser-storage.js';
import { type CheckOutcome, createPoller, documentVisibility } from '../shared/poller.js';
import { isSettled } from '../shared/request-states.js';
import { type RecentRequest, updateRecentStatus } from './recent-requests.js';

/** Keeps the requests this browser remembers up to date while any of them is still pending:
 * polls their status with backoff (shared/poller.ts) and writes each change to the list
 * and to storage. Returns the latest answer per request id (with the
 * reason of a denial, which storage does not keep). */
export function useLiveRecent(
  recent: RecentRequest[],
  setRecent: Dispatch<SetStateAction<RecentRequest[]>>,
): Record<string, RequestStatus> {
  const [latest, setLatest] = useState<Record<string, RequestStatus>>({});
  // Ids the server no longer knows (a reset store): not asked about again on this page.
  const gone = useRef(new Set<string>());
  const waiting = recent
    .filter((item) => !isSettled(item.status) && !gone.current.has(item.id))
    .map((item) => item.id)
    .join(' ');

  useEffect(() => {
    if (waiting === '') {
      return;
    }
    const ids = waiting.split(' ');
    const poller = createPoller({
      visibility: documentVisibility(),
      check: async (signal): Promise<CheckOutcome> => {
        const answers = await Promise.all(ids.map((id) => api.status(id, null, signal)));
        const storage = browserStorage('localStorage');
        let outcome: CheckOutcome = 'settled';
        let moved = false;
        answers.forEach((answer, index) => {
          const id = ids[index] ?? '';
          if (!answer.ok) {
            if (answer.failure.kind === 'not-found') {
              gone.current.add(id);
              moved = true;
            } else {
              outcome = 'failed';
            }
            return;
          }
          const status = answer.data;
          setLatest((previous) => ({ ...previous, [id]: status }));
          if (!isSettled(status.status)) {
            outcome = outcome === 'failed' ? 'failed' : 'unchanged';
          } else {
            moved = true;
          }
          updateRecentStatus(storage, id, status.status);
        });
        if (moved) {
          // The ids to watch changed: this poller ends and the effect starts one for the rest.
          const byId = new Map(
            answers.flatMap((answer) => (answer.ok ? [[answer.data.request_id, answer.data.status]] : [])),
          );
          setRecent((list) => list.map((item) => ({ ...item, status: byId.get(item.id) ?? item.status })));
          return 'settled';
        }
        return outcome;
      },
    });
    poller.start();
    return () => poller.stop();
  }, [waiting, setRecent]);

  return latest;
}
