/** What `npm run bench` is asked to do: its flags and environment. */

export const CASES = ['models', 'submit', 'duplicate', 'pipeline', 'time-to-key', 'kubernetes'] as const;
export type CaseName = (typeof CASES)[number];

export interface BenchOptions {
  /** Alternating rounds of every case; each figure is the median over them. */
  rounds: number;
  /** Duration of one timed HTTP load (autocannon) and of one time-to-key round. */
  seconds: number;
  /** Requests of one pipeline round on SQLite... */
  pipelineRequests: number;
  /** ...and on Kubernetes (default: the same). */
  kubernetesPipelineRequests: number;
  /** Stored requests the Kubernetes fake is filled with, small then large. */
  kubernetesSizes: readonly [number, number];
  only: ReadonlySet<CaseName>;
  /** Where the JSON results go; null: bench/results/<timestamp>.json. */
  out: string | null;
}

export const USAGE = `usage: npm run bench -- [--only <case>[,<case>...]] [--out <file.json>]
cases: ${CASES.join(', ')}
env: BENCH_ROUNDS (default 3), BENCH_SECONDS (default 8), BENCH_PIPELINE_REQUESTS (default 2000),
     BENCH_KUBERNETES_PIPELINE_REQUESTS (default: BENCH_PIPELINE_REQUESTS),
     BENCH_KUBERNETES_SIZES (default 100,10000)`;

export class UsageError extends Error {}

function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${name} must be a whole number ≥ 1, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function caseList(raw: string): Set<CaseName> {
  const names = raw.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(CASES as readonly string[]).includes(name)) {
      throw new UsageError(`unknown case ${JSON.stringify(name)}; cases: ${CASES.join(', ')}`);
    }
  }
  return new Set(names as CaseName[]);
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  let only: Set<CaseName> = new Set(CASES);
  let out: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if ((flag === '--only' || flag === '--out') && (value === undefined || value.startsWith('--'))) {
      throw new UsageError(`${flag} needs a value`);
    }
    if (flag === '--only' && value !== undefined) {
      only = caseList(value);
      i++;
    } else if (flag === '--out' && value !== undefined) {
      out = value;
      i++;
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  const sizes = (env.BENCH_KUBERNETES_SIZES ?? '100,10000').split(',');
  if (sizes.length !== 2) {
    throw new UsageError(`BENCH_KUBERNETES_SIZES must be two counts, small,large; got ${sizes.join(',')}`);
  }
  const pipelineRequests = positiveInteger('BENCH_PIPELINE_REQUESTS', env.BENCH_PIPELINE_REQUESTS, 2000);
  return {
    rounds: positiveInteger('BENCH_ROUNDS', env.BENCH_ROUNDS, 3),
    seconds: positiveInteger('BENCH_SECONDS', env.BENCH_SECONDS, 8),
    pipelineRequests,
    kubernetesPipelineRequests: positiveInteger(
      'BENCH_KUBERNETES_PIPELINE_REQUESTS',
      env.BENCH_KUBERNETES_PIPELINE_REQUESTS,
      pipelineRequests,
    ),
    kubernetesSizes: [
      positiveInteger('BENCH_KUBERNETES_SIZES', sizes[0], 100),
      positiveInteger('BENCH_KUBERNETES_SIZES', sizes[1], 10_000),
    ],
    only,
    out,
  };
}
