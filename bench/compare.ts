/** Before/after in one run: POST /api/request-key with a new address each, the pipeline and
 * time-to-key cases (and each process's resident memory) on two builds, alternating rounds so
 * both see the same machine.
 *
 *   npx tsx bench/compare.ts --before /tmp/lkr-before/dist/main.js [--rounds 3]
 *
 * `--before` is the entry point of another build (an earlier revision compiled elsewhere, with
 * its web/dist and node_modules beside it); "after" is this checkout's dist/main.js unless
 * `--after` names another. A `.js` entry point runs as `node <file>`, anything else as a
 * launcher (bin/server.sh: `--before dist/main.js --after bin/server.sh` measures the
 * production launch, its flags and the linked dist/server.js, against node's defaults on the
 * unlinked build). Each
 * round starts fresh products of both builds, one after the other, and runs the same load on
 * each. Prints each round and the medians; docs/performance.md says how the before build is made. */
import { join, resolve } from 'node:path';
import { startFakeLiteLlm } from '../test/support/fake-litellm.js';
import { CONNECTIONS, LITELLM_DELAY_MS, REVIEW_MODEL } from './bench-config.js';
import { createProcessGroup, withCpu } from './child-process.js';
import { assertClean, createAddressBook, postEachNew, runLoad } from './load.js';
import { createMailClock } from './mail-clock.js';
import { startBenchMailSink } from './mail-sink.js';
import { runPipelineRound } from './pipeline-case.js';
import { REPO_ROOT, startProduct } from './product.js';
import { median } from './stats.js';
import { runTimeToKeyRound } from './time-to-key-case.js';

const MASTER_KEY = 'sk-bench-master-key';

interface Round {
  /** POST /api/request-key, a new address each (parked in review: no mail), 50 connections. */
  submitPerSecond: number;
  submitP99Ms: number;
  submitCpuMsPerRequest: number;
  pipelineSeconds: number;
  pipelineCpuMsPerRequest: number;
  pipelineResidentMib: number;
  p50Ms: number;
  p99Ms: number;
  timeToKeyResidentMib: number;
}

function flag(name: string, fallback?: string): string {
  const at = process.argv.indexOf(name);
  const value = at < 0 ? fallback : process.argv[at + 1];
  if (value === undefined) {
    throw new Error(
      `usage: npx tsx bench/compare.ts --before <main.js> [--after <main.js>] [--rounds n] [--requests n] [--seconds n]`,
    );
  }
  return value;
}

async function main(): Promise<void> {
  const builds = {
    before: resolve(flag('--before')),
    after: resolve(flag('--after', join(REPO_ROOT, 'dist', 'main.js'))),
  };
  const rounds = Number(flag('--rounds', '3'));
  const requests = Number(flag('--requests', '2000'));
  const seconds = Number(flag('--seconds', '8'));
  const group = createProcessGroup();
  process.once('exit', () => group.killAll());
  const mails = createMailClock();
  const smtp = await startBenchMailSink(mails.onMessage);
  const litellm = await startFakeLiteLlm({ masterKey: MASTER_KEY });
  const slow = await startFakeLiteLlm({ masterKey: MASTER_KEY, delayMs: LITELLM_DELAY_MS });
  const results: Record<keyof typeof builds, Round[]> = { before: [], after: [] };
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const name of round % 2 === 1 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
        const start = (use: string, url: string) =>
          startProduct(group, {
            name: `${name}-${use}`,
            main: builds[name],
            store: { kind: 'sqlite' },
            litellm: { url, masterKey: MASTER_KEY },
            smtp: { host: smtp.host, port: smtp.port },
          });
        const submitting = await start('submit', litellm.url);
        const addresses = createAddressBook(`${name}s${round}`);
        const post = postEachNew('/api/request-key', () => ({ email: addresses.next(), llm: REVIEW_MODEL }));
        await runLoad({ url: submitting.url, request: post, connections: CONNECTIONS, seconds: 2 });
        await submitting.settle();
        const [submit, submitCpu] = await withCpu(submitting.process, () =>
          runLoad({ url: submitting.url, request: post, connections: CONNECTIONS, seconds }),
        );
        assertClean(`submit (${name})`, submit);
        await submitting.stop();
        const piped = await start('pipeline', litellm.url);
        const pipeline = await runPipelineRound(piped, mails, requests, `${name}p${round}`);
        const pipelineResidentMib = (await piped.process.residentKib()) / 1024;
        await piped.stop();
        const keyed = await start('time-to-key', slow.url);
        const timeToKey = await runTimeToKeyRound(keyed, mails, seconds, `${name}t${round}`);
        const timeToKeyResidentMib = (await keyed.process.residentKib()) / 1024;
        await keyed.stop();
        const result: Round = {
          submitPerSecond: submit.requestsPerSecond,
          submitP99Ms: submit.p99Ms,
          submitCpuMsPerRequest: (submitCpu * 1000) / submit.responses,
          pipelineSeconds: pipeline.seconds,
          pipelineCpuMsPerRequest: pipeline.cpuMsPerRequest,
          pipelineResidentMib,
          p50Ms: timeToKey.p50Ms,
          p99Ms: timeToKey.p99Ms,
          timeToKeyResidentMib,
        };
        results[name].push(result);
        process.stderr.write(`round ${round} ${name}: ${JSON.stringify(result)}\n`);
      }
    }
    mails.verifyKeys([...litellm.allKeys(), ...slow.allKeys()]);
  } finally {
    group.killAll();
    await Promise.all([smtp.close(), litellm.close(), slow.close()]);
  }
  if (mails.unexpected.length > 0) {
    process.stderr.write(`unexpected mails: ${mails.unexpected.slice(0, 5).join('; ')}\n`);
    process.exitCode = 1;
  }
  const fields = Object.keys(results.before[0] ?? {}) as (keyof Round)[];
  process.stdout.write(
    `medians over ${rounds} rounds (${requests} requests per pipeline, ${seconds} s of time to key)\n`,
  );
  for (const field of fields) {
    const [before, after] = (['before', 'after'] as const).map((name) =>
      median(results[name].map((result) => result[field])),
    );
    process.stdout.write(`${field.padEnd(24)} before ${before?.toFixed(2)}  after ${after?.toFixed(2)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
