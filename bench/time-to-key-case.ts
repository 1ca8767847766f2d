import { performance } from 'node:perf_hooks';
import { AUTO_MODEL, TIME_TO_KEY_CLIENTS } from './bench-config.js';
import type { ProcessGroup } from './child-process.js';
import { createAddressBook } from './load.js';
import type { MailClock } from './mail-clock.js';
import type { BenchOptions } from './options.js';
import { type Product, type ProductOptions, type RoundsOnProduct, roundsOnFreshProduct } from './product.js';
import { percentile } from './stats.js';

export interface TimeToKeyRound {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const MAIL_TIMEOUT_MS = 60_000;

/** Closed loop: each client POSTs a new request for the auto-approved model, waits for its
 * approval mail, and starts over, for `seconds`. A sample is the time from sending the POST to
 * the SMTP server accepting the mail: HTTP, store, worker wake-up, chain, mint (the LiteLLM fake
 * answers after its delay), record, SMTP. */
export async function runTimeToKeyRound(
  product: Product,
  mails: MailClock,
  seconds: number,
  prefix: string,
): Promise<TimeToKeyRound> {
  await product.settle();
  const addresses = createAddressBook(prefix);
  const samples: number[] = [];
  const until = performance.now() + seconds * 1000;
  const client = async () => {
    while (performance.now() < until) {
      const email = addresses.next();
      const started = performance.now();
      const response = await fetch(`${product.url}/api/request-key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, llm: AUTO_MODEL }),
      });
      const body = await response.text();
      if (response.status !== 200) {
        throw new Error(`time to key: POST answered ${response.status}: ${body}`);
      }
      samples.push((await mails.arrival(email, MAIL_TIMEOUT_MS)) - started);
    }
  };
  await Promise.all(Array.from({ length: TIME_TO_KEY_CLIENTS }, client));
  return {
    samples: samples.length,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    maxMs: Math.max(...samples),
  };
}

/** The time-to-key case: one fresh product whose LiteLLM answers after a delay, `rounds` rounds. */
export function runTimeToKeyCase(
  group: ProcessGroup,
  options: BenchOptions,
  services: Pick<ProductOptions, 'litellm' | 'smtp'>,
  mails: MailClock,
): Promise<RoundsOnProduct<TimeToKeyRound>> {
  return roundsOnFreshProduct(
    group,
    { name: 'product-time-to-key', ...services },
    options.rounds,
    (product, index) => runTimeToKeyRound(product, mails, options.seconds, `ttk${index}`),
    (result) =>
      `${result.samples} keys, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms`,
  );
}
