import { performance } from 'node:perf_hooks';
import { AUTO_MODEL, CONNECTIONS } from './bench-config.js';
import type { ProcessGroup } from './child-process.js';
import { assertClean, createAddressBook, postRequest, runLoad } from './load.js';
import type { MailClock } from './mail-clock.js';
import type { BenchOptions } from './options.js';
import { type Product, type ProductOptions, type RoundsOnProduct, roundsOnFreshProduct } from './product.js';

/** No approval mail for this long means the pipeline is stuck, not slow. */
const STALL_MS = 60_000;

export interface PipelineRound {
  requests: number;
  /** From the first POST sent to the last approval mail accepted by the SMTP server. */
  seconds: number;
  mailsPerSecond: number;
  /** The POST phase alone (autocannon's run, 50 in flight). */
  postSeconds: number;
  /** CPU the product used for the round, per request. */
  cpuMsPerRequest: number;
}

/** `count` new requests for the auto-approved model, 50 in flight, then every approval mail:
 * store, worker (claim, chain, reserve, mint on the LiteLLM fake, record), SMTP, record. */
export async function runPipelineRound(
  product: Product,
  mails: MailClock,
  count: number,
  prefix: string,
): Promise<PipelineRound> {
  await product.settle();
  const cpuBefore = await product.process.cpuSeconds();
  const addresses = createAddressBook(prefix);
  const answered: string[] = [];
  const request = postRequest('/api/request-key', {});
  const started = performance.now();
  const posts = await runLoad({
    url: product.url,
    request: {
      ...request,
      // The context is the connection's own; its request is answered before the next is built.
      setupRequest: (built, context: { email?: string }) => {
        const email = addresses.next();
        context.email = email;
        return { ...built, body: JSON.stringify({ email, llm: AUTO_MODEL }) };
      },
      onResponse: (status, _body, context: { email?: string }) => {
        if (status === 200 && context.email !== undefined) {
          answered.push(context.email);
        }
      },
    },
    connections: CONNECTIONS,
    amount: count,
  });
  const postSeconds = (performance.now() - started) / 1000;
  assertClean(`pipeline POSTs (${prefix})`, posts);
  if (answered.length !== count) {
    throw new Error(`pipeline (${prefix}): ${answered.length} of ${count} POSTs were answered 200`);
  }
  const last = await mails.lastArrival(answered, STALL_MS);
  const seconds = (last - started) / 1000;
  const cpuMsPerRequest = ((await product.process.cpuSeconds()) - cpuBefore) * (1000 / count);
  return { requests: count, seconds, mailsPerSecond: count / seconds, postSeconds, cpuMsPerRequest };
}

/** The SQLite pipeline case: one fresh product, `rounds` pipeline rounds on it. */
export function runPipelineCase(
  group: ProcessGroup,
  options: BenchOptions,
  services: Pick<ProductOptions, 'litellm' | 'smtp'>,
  mails: MailClock,
): Promise<RoundsOnProduct<PipelineRound>> {
  return roundsOnFreshProduct(
    group,
    { name: 'product-pipeline', ...services },
    options.rounds,
    (product, index) => runPipelineRound(product, mails, options.pipelineRequests, `pipe${index}`),
    (result) => `${result.seconds.toFixed(2)} s (POSTs ${result.postSeconds.toFixed(2)} s)`,
  );
}
