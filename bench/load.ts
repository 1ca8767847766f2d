import autocannon from 'autocannon';

/** One timed HTTP load with autocannon's programmatic API, and the figures taken from it. */
export interface LoadResult {
  /** Responses per second over the whole run (every response, whatever its status). */
  requestsPerSecond: number;
  /** 99th percentile latency in ms (autocannon's histogram). */
  p99Ms: number;
  responses: number;
  non2xx: number;
  /** Connection errors and timeouts: a run with any is not a valid measurement. */
  errors: number;
  seconds: number;
}

/** What every connection sends, request after request. */
export type LoadRequest = autocannon.Request;

export interface LoadOptions {
  url: string;
  request: LoadRequest;
  connections: number;
  /** Run for this long... */
  seconds?: number;
  /** ...or until this many responses came back. */
  amount?: number;
}

export async function runLoad({
  url,
  request,
  connections,
  seconds,
  amount,
}: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    ...(amount === undefined ? { duration: seconds ?? 8 } : { amount }),
    requests: [request],
    // A slow answer is a measurement, not a failure; autocannon's default 10 s would cut it off.
    timeout: 60,
  });
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p99Ms: result.latency.p99,
    responses: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
  };
}

/** Throws when a run had errors or non-2xx answers: its throughput would be that of failures. */
export function assertClean(what: string, result: LoadResult): void {
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(
      `${what}: ${result.errors} connection errors and ${result.non2xx} non-2xx answers out of ${result.responses}`,
    );
  }
}

export function getRequest(path: string): LoadRequest {
  return { method: 'GET', path };
}

/** The same JSON body on every request. */
export function postRequest(path: string, body: unknown): LoadRequest {
  return {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/** A new body on every request, built by `next` (autocannon calls setupRequest per request). */
export function postEachNew(path: string, next: () => unknown): LoadRequest {
  return {
    ...postRequest(path, {}),
    setupRequest: (request) => ({ ...request, body: JSON.stringify(next()) }),
  };
}

/** Addresses that no earlier request of this run (or of another run on the same store) used. */
export function createAddressBook(prefix: string): { next(): string; readonly issued: number } {
  const tag = `${prefix}-${Date.now().toString(36)}`;
  let issued = 0;
  return {
    next: () => `${tag}-${issued++}@example.com`,
    get issued() {
      return issued;
    },
  };
}
