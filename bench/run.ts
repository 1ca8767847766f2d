/** `npm run bench`: the measurements of docs/performance.md (issue 12's table). The machine is
 * shared and noisy, so every figure is a median over alternating rounds, and the HTTP figures
 * are ratios against a bare Fastify server measured in the same rounds. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startFakeLiteLlm } from '../test/support/fake-litellm.js';
import { LITELLM_DELAY_MS } from './bench-config.js';
import { createProcessGroup, logOutput } from './child-process.js';
import { HTTP_CASES, runHttpCases } from './http-cases.js';
import { runKubernetesCase } from './kubernetes-case.js';
import { createMailClock } from './mail-clock.js';
import { startBenchMailSink } from './mail-sink.js';
import { type BenchOptions, parseOptions, USAGE, UsageError } from './options.js';
import { runPipelineCase } from './pipeline-case.js';
import { REPO_ROOT, startProduct } from './product.js';
import { figures, formatTable, type Measurements } from './report.js';
import { runTimeToKeyCase } from './time-to-key-case.js';

const MASTER_KEY = 'sk-bench-master-key';
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The 1-minute load average every 5 s: how busy the shared machine was while measuring. */
function loadSampler() {
  const samples: number[] = [];
  const take = () => samples.push(loadavg()[0] ?? 0);
  take();
  const timer = setInterval(take, 5_000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      take();
      return {
        oneMinuteAtStart: samples[0] ?? 0,
        oneMinuteMax: Math.max(...samples),
        oneMinuteMean: samples.reduce((a, b) => a + b, 0) / samples.length,
        oneMinuteAtEnd: samples.at(-1) ?? 0,
      };
    },
  };
}

/** How to run this measurement again: the BENCH_* variables that were set, the flags. */
function commandLine(): string {
  const env = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_'))
    .map(([name, value]) => `${name}=${value}`);
  const args = process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [];
  return [...env, 'npm run bench', ...args].join(' ');
}

function gitRevision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    return `${head.trim()}${dirty.trim() === '' ? '' : ' (src/ modified)'}`;
  } catch {
    return 'unknown';
  }
}

async function measure(options: BenchOptions): Promise<Measurements> {
  const group = createProcessGroup();
  // Whatever ends the bench (an exception, Ctrl-C) must not leave servers behind.
  process.once('exit', () => group.killAll());
  process.once('SIGINT', () => process.exit(130));
  const mails = createMailClock();
  const smtp = await startBenchMailSink(mails.onMessage);
  const litellm = await startFakeLiteLlm({ masterKey: MASTER_KEY });
  const slowLitellm = await startFakeLiteLlm({ masterKey: MASTER_KEY, delayMs: LITELLM_DELAY_MS });
  const workDir = await mkdtemp(join(tmpdir(), 'lkr-bench-run-'));
  const services = {
    litellm: { url: litellm.url, masterKey: MASTER_KEY },
    smtp: { host: smtp.host, port: smtp.port },
  };
  const measured: Measurements = { residentKib: {}, logs: {}, failures: [] };
  /** A case that fails is reported and the others still run: a long run is not lost to one. */
  const attempt = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`  ${name} FAILED: ${message}`);
      measured.failures.push({ case: name, message });
    }
  };
  try {
    const httpCases = HTTP_CASES.filter((name) => options.only.has(name));
    if (httpCases.length > 0) {
      log(`HTTP cases (${httpCases.join(', ')}): product vs bare Fastify`);
      await attempt('http', async () => {
        const product = await startProduct(group, {
          name: 'product-http',
          store: { kind: 'sqlite' },
          ...services,
        });
        try {
          measured.http = await runHttpCases(group, product, options, httpCases, workDir, mails, log);
          measured.residentKib['product-http'] = await product.process.residentKib();
          measured.logs['product-http'] = logOutput(product.process);
        } finally {
          await product.stop();
        }
        // The duplicate's link mails are expected (and counted by runHttpCases); nothing else is.
        if (mails.approvals > 0 || mails.unexpected.length > 0) {
          throw new Error(
            `the HTTP cases sent mail, so they did not measure what they claim: ${mails.unexpected}`,
          );
        }
      });
    }
    if (options.only.has('pipeline')) {
      log(`pipeline: ${options.pipelineRequests} auto-approved requests per round`);
      await attempt('pipeline', async () => {
        const result = await runPipelineCase(group, options, services, mails);
        measured.pipeline = result.rounds;
        measured.residentKib['product-pipeline'] = result.residentKib;
        measured.logs['product-pipeline'] = result.log;
      });
    }
    if (options.only.has('time-to-key')) {
      log(`time to key: LiteLLM fake answering after ${LITELLM_DELAY_MS} ms`);
      await attempt('time-to-key', async () => {
        const slow = { ...services, litellm: { url: slowLitellm.url, masterKey: MASTER_KEY } };
        const result = await runTimeToKeyCase(group, options, slow, mails);
        measured.timeToKey = result.rounds;
        measured.residentKib['product-time-to-key'] = result.residentKib;
        measured.logs['product-time-to-key'] = result.log;
      });
    }
    if (options.only.has('kubernetes')) {
      log(`kubernetes: ${options.kubernetesSizes.join(' vs ')} stored requests`);
      await attempt('kubernetes', async () => {
        measured.kubernetes = await runKubernetesCase(group, options, services, mails, log);
      });
    }
    mails.verifyKeys([...litellm.allKeys(), ...slowLitellm.allKeys()]);
    if (mails.unexpected.length > 0) {
      measured.failures.push({
        case: 'mail',
        message: `unexpected mails: ${mails.unexpected.slice(0, 5).join('; ')}`,
      });
    }
    return measured;
  } finally {
    group.killAll();
    await Promise.all([smtp.close(), litellm.close(), slowLitellm.close()]);
    await rm(workDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      log(`${error.message}\n${USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  const startedAt = new Date();
  const load = loadSampler();
  log(
    `bench: ${options.rounds} rounds, ${options.seconds} s per timed case, ${cpus().length} CPUs, ` +
      `load average ${loadavg()[0]?.toFixed(2)}`,
  );
  const measured = await measure(options);
  const rows = figures(
    measured,
    options.pipelineRequests,
    options.kubernetesPipelineRequests,
    options.kubernetesSizes,
  );
  const machineLoad = load.stop();
  process.stdout.write(`\n${formatTable(rows)}\n\n`);
  process.stdout.write(
    `load average (1 min) during the run: ${machineLoad.oneMinuteMean.toFixed(2)} mean, ` +
      `${machineLoad.oneMinuteMax.toFixed(2)} max, on ${cpus().length} CPUs\n`,
  );

  const out =
    options.out === null
      ? join(REPO_ROOT, 'bench', 'results', `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`)
      : resolve(options.out);
  mkdirSync(dirname(out), { recursive: true });
  const settings = {
    rounds: options.rounds,
    seconds: options.seconds,
    pipelineRequests: options.pipelineRequests,
    kubernetesPipelineRequests: options.kubernetesPipelineRequests,
    kubernetesSizes: options.kubernetesSizes,
    cases: [...options.only],
  };
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        command: commandLine(),
        revision: gitRevision(),
        settings,
        machine: {
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model ?? 'unknown',
          memoryMib: Math.round(totalmem() / 2 ** 20),
          node: process.version,
          loadAverage: machineLoad,
        },
        figures: rows,
        measurements: measured,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`results: ${out}\n`);
  if (measured.failures.length > 0) {
    process.stdout.write(
      `\n${measured.failures.length} case(s) failed and are missing from the table:\n` +
        measured.failures.map((failure) => `  ${failure.case}: ${failure.message}\n`).join(''),
    );
    process.exitCode = 1;
  }
}

await main();
