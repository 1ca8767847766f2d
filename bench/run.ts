/**
 * Benchmarks: `npm run bench`. The machine is noisy, so every figure is the median of
 * several rounds and is printed next to a reference measured in the same run:
 *
 * - submit: POST /api/request-key (validate, insert into SQLite, answer), against
 *   GET /health on the same server (the cost of the HTTP stack alone).
 * - pipeline: pending requests to minted keys in the inbox (claim, chain, reserve, mint on
 *   a LiteLLM fake, record, mail to a real SMTP server, record), against sending the same
 *   number of mails straight through the SMTP mailer (the floor set by mail delivery).
 */
import { performance } from 'node:perf_hooks';
import { createSmtpMailer } from '../src/mail/smtp-mailer.js';
import { denialMail } from '../src/mail/templates.js';
import { startFakeLiteLlm } from '../test/support/fake-litellm.js';
import { type Harness, startHarness } from '../test/support/service-harness.js';
import { startSmtpSink } from '../test/support/smtp-sink.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const HTTP_REQUESTS = 2000;
const HTTP_CONCURRENCY = 16;
const PIPELINE_REQUESTS = 300;

const CONFIG = `
models: [{id: ollama/llama2, title: Llama 2}]
litellm: {enable_litellm_models: false}
approval: {concurrency: 16}
approval_plugins: [{name: whitelist, config: {list: ["ollama/*"]}}]
# One client sends thousands of requests: rate limits off (RATE_LIMITS_ENABLED=false).
limits: {enabled: false}
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function inParallel(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        await task(next++);
      }
    }),
  );
  return performance.now() - started;
}

async function benchSubmit(round: number): Promise<{ submit: number; health: number }> {
  const h = await startHarness({ configYaml: CONFIG, startWorker: false });
  try {
    const health = await inParallel(HTTP_REQUESTS, HTTP_CONCURRENCY, async () => {
      const response = await fetch(`${h.url}/health`);
      await response.arrayBuffer();
    });
    const submit = await inParallel(HTTP_REQUESTS, HTTP_CONCURRENCY, async (i) => {
      const { status } = await h.submit(`bench${round}-${i}@example.com`, 'ollama/llama2');
      if (status !== 200) {
        throw new Error(`submit answered ${status}`);
      }
    });
    return { submit: (HTTP_REQUESTS / submit) * 1000, health: (HTTP_REQUESTS / health) * 1000 };
  } finally {
    await h.close();
  }
}

async function benchPipeline(round: number): Promise<{ pipeline: number; mailOnly: number }> {
  const litellm = await startFakeLiteLlm({ masterKey: 'sk-bench' });
  const smtp = await startSmtpSink();
  let h: Harness | undefined;
  try {
    const mailer = createSmtpMailer({
      smtp: {
        host: smtp.host,
        port: smtp.port,
        user: '',
        password: '',
        from: 'b@example.com',
        useTls: false,
        verifySsl: true,
      },
      logger: { info: () => {}, warn: () => {} } as never,
    });
    const mailOnly = await inParallel(PIPELINE_REQUESTS, 16, async (i) => {
      const sent = await mailer.send(
        denialMail({ requestId: `ref-${round}-${i}`, email: `r${i}@example.com`, model: 'm', reason: 'x' }),
      );
      if (!sent.ok) {
        throw sent.error;
      }
    });
    await mailer.close();

    h = await startHarness({ configYaml: CONFIG, litellm, smtp, startWorker: false });
    for (let i = 0; i < PIPELINE_REQUESTS; i++) {
      await h.service.store.create({ email: `p${round}-${i}@example.com`, model: 'ollama/llama2' });
    }
    const before = smtp.messages.length;
    const started = performance.now();
    h.service.worker.start();
    await smtp.waitForCount(before + PIPELINE_REQUESTS, 120_000);
    const pipeline = performance.now() - started;
    return { pipeline: pipeline / PIPELINE_REQUESTS, mailOnly: mailOnly / PIPELINE_REQUESTS };
  } finally {
    await h?.close();
    await litellm.close();
    await smtp.close();
  }
}

async function main(): Promise<void> {
  const submit: number[] = [];
  const health: number[] = [];
  const pipeline: number[] = [];
  const mailOnly: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const http = await benchSubmit(round);
    submit.push(http.submit);
    health.push(http.health);
    const flow = await benchPipeline(round);
    pipeline.push(flow.pipeline);
    mailOnly.push(flow.mailOnly);
    process.stdout.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
  const rows = [
    [
      'POST /api/request-key',
      `${median(submit).toFixed(0)} req/s`,
      `GET /health ${median(health).toFixed(0)} req/s`,
    ],
    [
      `pending -> key mailed (${PIPELINE_REQUESTS} requests)`,
      `${median(pipeline).toFixed(2)} ms/request`,
      `SMTP send alone ${median(mailOnly).toFixed(2)} ms/mail`,
    ],
    ['resident memory after the run', `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`, ''],
  ];
  process.stdout.write(`\nmedian of ${ROUNDS} rounds (HTTP concurrency ${HTTP_CONCURRENCY}):\n`);
  for (const [what, value, reference] of rows) {
    process.stdout.write(`  ${what?.padEnd(42)} ${value?.padEnd(20)} ${reference}\n`);
  }
}

await main();
