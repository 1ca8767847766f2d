import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../test/support/replica-process.js';
import { waitUntil } from '../test/support/wait.js';
import { CONNECTIONS, REVIEW_MODEL } from './bench-config.js';
import { type ProcessGroup, waitForHttp, withCpu } from './child-process.js';
import {
  assertClean,
  createAddressBook,
  getRequest,
  type LoadRequest,
  type LoadResult,
  postEachNew,
  postRequest,
  runLoad,
} from './load.js';
import type { MailClock } from './mail-clock.js';
import type { BenchOptions, CaseName } from './options.js';
import { type Product, REPO_ROOT } from './product.js';
import { medianRatio, roundRatios } from './stats.js';

export type HttpCaseName = Extract<CaseName, 'models' | 'submit' | 'duplicate'>;
export const HTTP_CASES: readonly HttpCaseName[] = ['models', 'submit', 'duplicate'];

export interface HttpCaseResult {
  product: MeasuredRun[];
  bare: MeasuredRun[];
  ratios: number[];
  /** Median of the per-round ratios of requests per second. */
  ratio: number;
}

export interface HttpCasesResult {
  cases: Partial<Record<HttpCaseName, HttpCaseResult>>;
  /** Bytes of GET /api/models, the same from both servers (checked at start). */
  modelsBytes: number;
  warmupSeconds: number;
  /** Every answered POST of the submit case (warm-up included) plus the duplicate's first POST
   * must be a request the worker parked in review; the product's /metrics says how many are.
   * A run also leaves up to one unanswered request per connection behind when its time is up. */
  parkedInReview: { answered: number; runs: number; stored: number };
}

/** A load run with the CPU time its server used: a figure far less sensitive to what else runs on
 * the machine than requests per second, for finding where the time goes. */
export interface MeasuredRun extends LoadResult {
  cpuSeconds: number;
  cpuMsPerResponse: number;
}

function withCpuCost(result: LoadResult, cpuSeconds: number): MeasuredRun {
  return { ...result, cpuSeconds, cpuMsPerResponse: (cpuSeconds * 1000) / result.responses };
}

const DUPLICATE_BODY = { email: 'duplicate@example.com', llm: REVIEW_MODEL };
/** The mail the first repeat of DUPLICATE_BODY sends its requester (the link to the request's
 * page), and then at most once per clock hour: the only mail the HTTP cases may cause. */
const LINK_SUBJECT = `Your API key request for ${REVIEW_MODEL}`;
const HOUR_MS = 3_600_000;

/** The three HTTP cases against the product and the bare Fastify reference, alternating:
 * for each round and case, the product runs, its worker finishes the backlog, then the
 * reference runs. A short untimed warm-up of both comes first, so neither is measured cold. */
export async function runHttpCases(
  group: ProcessGroup,
  product: Product,
  options: BenchOptions,
  cases: readonly HttpCaseName[],
  workDir: string,
  mails: Pick<MailClock, 'expectLinkMails' | 'linkMails'>,
  log: (line: string) => void,
): Promise<HttpCasesResult> {
  const models = await fetch(`${product.url}/api/models`).then((response) => response.text());
  const bare = await startBareServer(group, models, workDir);
  try {
    const first = await fetch(`${product.url}/api/request-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(DUPLICATE_BODY),
    });
    if (first.status !== 200) {
      throw new Error(`the first POST of the duplicate body answered ${first.status}: ${await first.text()}`);
    }
    mails.expectLinkMails(DUPLICATE_BODY.email, LINK_SUBJECT);
    const repeatsFrom = Date.now();

    const productAddresses = createAddressBook('product');
    const bareAddresses = createAddressBook('bare');
    const requestFor = (name: HttpCaseName, addresses: typeof productAddresses): LoadRequest => {
      switch (name) {
        case 'models':
          return getRequest('/api/models');
        case 'submit':
          return postEachNew('/api/request-key', () => ({ email: addresses.next(), llm: REVIEW_MODEL }));
        case 'duplicate':
          return postRequest('/api/request-key', DUPLICATE_BODY);
      }
    };
    let submitted = 1;
    let submitRuns = 0;
    const measure = async (name: HttpCaseName, seconds: number) => {
      // The product's CPU includes its worker finishing the run's backlog (the settle).
      const [ours, productCpu] = await withCpu(product.process, async () => {
        const result = await runLoad({
          url: product.url,
          request: requestFor(name, productAddresses),
          connections: CONNECTIONS,
          seconds,
        });
        await product.settle();
        return result;
      });
      if (name === 'submit') {
        submitted += ours.responses;
        submitRuns += 1;
      }
      const [theirs, bareCpu] = await withCpu(bare.process, () =>
        runLoad({
          url: bare.url,
          request: requestFor(name, bareAddresses),
          connections: CONNECTIONS,
          seconds,
        }),
      );
      assertClean(`product ${name}`, ours);
      assertClean(`bare ${name}`, theirs);
      return { ours: withCpuCost(ours, productCpu), theirs: withCpuCost(theirs, bareCpu) };
    };

    const warmupSeconds = Math.min(2, options.seconds);
    for (const name of cases) {
      await measure(name, warmupSeconds);
    }
    const results: Partial<Record<HttpCaseName, { product: MeasuredRun[]; bare: MeasuredRun[] }>> = {};
    for (let round = 1; round <= options.rounds; round++) {
      for (const name of cases) {
        const { ours, theirs } = await measure(name, options.seconds);
        const entry = results[name] ?? { product: [], bare: [] };
        entry.product.push(ours);
        entry.bare.push(theirs);
        results[name] = entry;
        log(
          `  round ${round}/${options.rounds} ${name}: product ${ours.requestsPerSecond.toFixed(0)} req/s ` +
            `(${ours.cpuMsPerResponse.toFixed(2)} CPU ms each), bare ${theirs.requestsPerSecond.toFixed(0)} req/s ` +
            `(${theirs.cpuMsPerResponse.toFixed(2)} CPU ms each)`,
        );
      }
    }

    const summary: Partial<Record<HttpCaseName, HttpCaseResult>> = {};
    for (const name of cases) {
      const entry = results[name];
      if (entry) {
        const ours = entry.product.map((r) => r.requestsPerSecond);
        const theirs = entry.bare.map((r) => r.requestsPerSecond);
        summary[name] = { ...entry, ratios: roundRatios(ours, theirs), ratio: medianRatio(ours, theirs) };
      }
    }
    if (cases.includes('duplicate')) {
      await checkLinkMails(mails, repeatsFrom);
    } else if (mails.linkMails(DUPLICATE_BODY.email) > 0) {
      throw new Error('a link mail arrived, but no duplicate body was sent');
    }
    const stored = await product.storedInState('in-review');
    if (stored < submitted || stored > submitted + submitRuns * CONNECTIONS) {
      throw new Error(
        `${submitted} POSTs were answered in ${submitRuns} runs but ${stored} requests are in review: ` +
          'the chain did not park the load model, so the submit case measured something else',
      );
    }
    return {
      cases: summary,
      modelsBytes: Buffer.byteLength(models),
      warmupSeconds,
      parkedInReview: { answered: submitted, runs: submitRuns, stored },
    };
  } finally {
    await bare.process.stop();
  }
}

/** The repeats of DUPLICATE_BODY since `from` must have sent exactly the link mails the product
 * owes: the first repeat's, then at most one for each further clock hour they ran into. */
async function checkLinkMails(mails: Pick<MailClock, 'linkMails'>, from: number): Promise<void> {
  await waitUntil(() => mails.linkMails(DUPLICATE_BODY.email) > 0, {
    timeoutMs: 60_000,
    what: 'the link mail of the first repeated POST',
  });
  const hours = Math.floor(Date.now() / HOUR_MS) - Math.floor(from / HOUR_MS) + 1;
  const sent = mails.linkMails(DUPLICATE_BODY.email);
  if (sent > hours) {
    throw new Error(
      `the repeated POSTs of ${hours} clock hour(s) sent ${sent} link mails: at most one an hour`,
    );
  }
}

/** bench/bare-server.ts in its own process, serving the product's model list. */
async function startBareServer(group: ProcessGroup, models: string, workDir: string) {
  const modelsFile = join(workDir, 'models.json');
  await writeFile(modelsFile, models);
  const port = await freePort();
  const bare = group.start(
    'bare-fastify',
    ['--import', 'tsx', join(REPO_ROOT, 'bench', 'bare-server.ts')],
    { NODE_ENV: 'production', PORT: String(port), BARE_MODELS_FILE: modelsFile },
    REPO_ROOT,
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(bare, `${url}/api/models`);
    const served = await fetch(`${url}/api/models`).then((response) => response.text());
    if (served !== models) {
      throw new Error(`the bare server's model list differs from the product's:\n${served}\n${models}`);
    }
  } catch (error) {
    await bare.stop();
    throw error;
  }
  return { process: bare, url };
}
