import { waitUntil } from './wait.js';

/** How many passes the worker of the service at `url` has made (`worker_passes_total`). */
export async function workerPasses(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith('llm_key_requestor_worker_passes_total '));
  if (line === undefined) {
    throw new Error(`${url}/metrics has no llm_key_requestor_worker_passes_total`);
  }
  return Number(line.split(' ')[1]);
}

/** Waits until the worker of every service in `urls` has made `passes` more passes, so that
 * anything it would still do (a second mint, a second mail) has had its chance. */
export async function moreWorkerPasses(
  urls: readonly string[],
  passes: number,
  timeoutMs = 30_000,
): Promise<void> {
  const before = await Promise.all(urls.map(workerPasses));
  await waitUntil(
    async () =>
      (await Promise.all(urls.map(workerPasses))).every((count, i) => count >= (before[i] ?? 0) + passes),
    { timeoutMs, what: `${passes} more worker passes on ${urls.join(', ')}` },
  );
}
