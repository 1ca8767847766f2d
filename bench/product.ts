import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { freePort } from '../test/support/replica-process.js';
import { waitUntil } from '../test/support/wait.js';
import { BENCH_CONFIG } from './bench-config.js';
import {
  type BenchProcess,
  type LogOutput,
  logOutput,
  type ProcessGroup,
  waitForHttp,
} from './child-process.js';

export const REPO_ROOT = join(import.meta.dirname, '..');
/** The production launch (`npm start`, deploy/Dockerfile): `node <heap flags> dist/server.js`. */
const LAUNCHER = join(REPO_ROOT, 'bin', 'server.sh');

export type ProductStore =
  | { kind: 'sqlite' }
  | { kind: 'kubernetes'; kubeconfigPath: string; namespace: string };

export interface ProductOptions {
  /** What to run: a launcher (an executable that execs node, given the extra node flags as its
   * arguments) or a `.js` entry point, run as `node <file>`. Default: this checkout's launcher,
   * bin/server.sh, on its dist/server.js. Another build's (an earlier revision compiled elsewhere)
   * gives before/after figures measured in the same run. */
  main?: string;
  name: string;
  store: ProductStore;
  litellm: { url: string; masterKey: string };
  smtp: { host: string; port: number };
}

export interface Product {
  url: string;
  process: BenchProcess;
  /** Waits until the worker owes nothing (`queue_depth` 0 on /metrics), so the next case
   * does not share the CPU with the last one's backlog. */
  settle(timeoutMs?: number): Promise<void>;
  /** Stored requests in `state`, from the product's own /metrics. */
  storedInState(state: string): Promise<number>;
  stop(): Promise<void>;
}

/** The product as it runs in production (deploy/Dockerfile): bin/server.sh, which execs `node`
 * with the production heap flags on dist/server.js (so the process measured is node itself),
 * NODE_ENV production, the default LOG_LEVEL (info), its own process. Its SQLite file and config
 * live in a fresh temp directory. */
export async function startProduct(group: ProcessGroup, options: ProductOptions): Promise<Product> {
  const main = options.main ?? LAUNCHER;
  if (!existsSync(main)) {
    throw new Error(`${main} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'lkr-bench-'));
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, BENCH_CONFIG);
  const port = await freePort();
  const storeEnv: Record<string, string> =
    options.store.kind === 'sqlite'
      ? { STATE_STORE: 'sqlite', SQLITE_PATH: join(dir, 'requests.db') }
      : {
          STATE_STORE: 'kubernetes',
          KUBECONFIG: options.store.kubeconfigPath,
          KUBERNETES_NAMESPACE: options.store.namespace,
        };
  // BENCH_CPU_PROF_DIR: a V8 CPU profile of every product process, written there when it stops
  // (open it in Chrome DevTools or speedscope), to find where the time of a case goes.
  // BENCH_NODE_FLAGS: more flags for the product's node (e.g. --report-on-signal), space-separated.
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const flags = [
    ...(profileDir
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          profileDir,
          '--cpu-prof-name',
          `${options.name}.${Date.now()}.cpuprofile`,
        ]
      : []),
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== ''),
  ];
  const launched = main.endsWith('.js')
    ? { command: process.execPath, args: [...flags, main] }
    : { command: main, args: flags };
  const child = group.start(
    options.name,
    launched.args,
    {
      // The launcher runs the `node` of PATH: the one running the bench comes first.
      PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      CONFIG_FILE: configFile,
      // BENCH_LOG_LEVEL: another level for an experiment (e.g. warn: no access-log lines); the
      // measured default is the service's own, info.
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      // Rate limiting would turn a load test into a test of the limiter (every client is 127.0.0.1).
      RATE_LIMITS_ENABLED: 'false',
      LITELLM_BASE_URL: options.litellm.url,
      LITELLM_API_KEY: options.litellm.masterKey,
      LITELLM_GATEWAY_URL: 'https://llm.example.com',
      SMTP_HOST: options.smtp.host,
      SMTP_PORT: String(options.smtp.port),
      SMTP_USE_TLS: 'false',
      SMTP_FROM: 'portal@example.com',
      ...storeEnv,
    },
    REPO_ROOT,
    launched.command,
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(child, `${url}/ready`);
  } catch (error) {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    process: child,
    async settle(timeoutMs = 300_000) {
      await waitUntil(async () => (await queueDepth(url)) === 0, {
        timeoutMs,
        intervalMs: 250,
        what: `${options.name}'s worker queue to drain`,
      });
    },
    async storedInState(state) {
      return gauge(url, `requests{state="${state}"}`);
    },
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function queueDepth(url: string): Promise<number> {
  return gauge(url, 'queue_depth');
}

/** A gauge of GET /metrics by its name after the prefix, labels included as exposed. */
async function gauge(url: string, name: string): Promise<number> {
  const response = await fetch(`${url}/metrics`);
  const text = await response.text();
  const escaped = name.replace(/[{}"]/g, (c) => `\\${c}`);
  const match = new RegExp(`^\\w*${escaped} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
  if (!match?.[1]) {
    throw new Error(`GET ${url}/metrics has no ${name} gauge (answered ${response.status})`);
  }
  return Number(match[1]);
}

export interface RoundsOnProduct<R> {
  rounds: R[];
  /** The product's VmRSS after the last round. */
  residentKib: number;
  log: LogOutput;
}

/** Starts a fresh SQLite product, runs `count` rounds on it one after the other, and reports
 * each (`describe`) as it ends; stops the product whatever happens. */
export async function roundsOnFreshProduct<R>(
  group: ProcessGroup,
  options: Omit<ProductOptions, 'store'>,
  count: number,
  round: (product: Product, index: number) => Promise<R>,
  describe: (result: R, index: number) => string,
): Promise<RoundsOnProduct<R>> {
  const product = await startProduct(group, { ...options, store: { kind: 'sqlite' } });
  try {
    const rounds: R[] = [];
    for (let index = 1; index <= count; index++) {
      const result = await round(product, index);
      rounds.push(result);
      process.stderr.write(`  round ${index}/${count}: ${describe(result, index)}\n`);
    }
    return { rounds, residentKib: await product.process.residentKib(), log: logOutput(product.process) };
  } finally {
    await product.stop();
  }
}
