import type { LogOutput } from './child-process.js';
import type { HttpCaseName, HttpCasesResult } from './http-cases.js';
import type { KubernetesResult } from './kubernetes-case.js';
import type { PipelineRound } from './pipeline-case.js';
import { median } from './stats.js';
import type { TimeToKeyRound } from './time-to-key-case.js';

/** One row of the table of issue 12: a figure, its target, and whether it is met. */
export interface Figure {
  case: string;
  product: string;
  reference: string;
  ratio: string;
  target: string;
  met: boolean;
}

export interface Measurements {
  http?: HttpCasesResult;
  pipeline?: PipelineRound[];
  timeToKey?: TimeToKeyRound[];
  /** VmRSS of each SQLite product process after its runs. */
  residentKib: Record<string, number>;
  kubernetes?: KubernetesResult;
  /** What each SQLite product process wrote to its log pipes (pino at `info`). */
  logs: Record<string, LogOutput>;
  /** Cases that could not be measured, with the reason. */
  failures: { case: string; message: string }[];
}

const HTTP_ROWS: Record<HttpCaseName, { label: string; minRatio: number; maxP99Ms?: number }> = {
  models: { label: 'GET /api/models', minRatio: 0.7 },
  submit: { label: 'POST /api/request-key, new address each', minRatio: 0.5, maxP99Ms: 25 },
  duplicate: { label: 'POST, the same body again (duplicate)', minRatio: 0.6 },
};
const PIPELINE_MAX_SECONDS = 4;
const TIME_TO_KEY_MAX_MS = { p50: 60, p99: 200 };
const MAX_RESIDENT_MIB = 120;
const MAX_KUBERNETES_COST_RATIO = 1.5;

const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '∞');

export function figures(
  measured: Measurements,
  pipelineRequests: number,
  kubernetesPipelineRequests: number,
  sizes: readonly number[],
): Figure[] {
  const rows: Figure[] = [];
  for (const [name, result] of Object.entries(measured.http?.cases ?? {})) {
    const row = HTTP_ROWS[name as HttpCaseName];
    const rps = median(result.product.map((r) => r.requestsPerSecond));
    const p99 = median(result.product.map((r) => r.p99Ms));
    const bareRps = median(result.bare.map((r) => r.requestsPerSecond));
    const cpu = median(result.product.map((r) => r.cpuMsPerResponse));
    const bareCpu = median(result.bare.map((r) => r.cpuMsPerResponse));
    const p99Met = row.maxP99Ms === undefined || p99 < row.maxP99Ms;
    rows.push({
      case: row.label,
      product: `${thousands(rps)} req/s, p99 ${thousands(p99)} ms, CPU ${fixed(cpu, 2)} ms/req`,
      reference: `${thousands(bareRps)} req/s, CPU ${fixed(bareCpu, 2)} ms/req`,
      ratio: fixed(result.ratio, 2),
      target: `≥ ${fixed(row.minRatio, 2)}${row.maxP99Ms === undefined ? '' : `, p99 < ${row.maxP99Ms} ms`}`,
      met: result.ratio >= row.minRatio && p99Met,
    });
  }
  if (measured.pipeline) {
    const seconds = median(measured.pipeline.map((r) => r.seconds));
    const cpu = median(measured.pipeline.map((r) => r.cpuMsPerRequest));
    rows.push({
      case: `${thousands(pipelineRequests)} auto-approved requests, 50 in flight: first POST → last approval mail`,
      product: `${fixed(seconds, 2)} s (${thousands(pipelineRequests / seconds)} mails/s), CPU ${fixed(cpu, 1)} ms/req`,
      reference: '–',
      ratio: '–',
      target: `< ${PIPELINE_MAX_SECONDS} s`,
      met: seconds < PIPELINE_MAX_SECONDS,
    });
  }
  if (measured.timeToKey) {
    const p50 = median(measured.timeToKey.map((r) => r.p50Ms));
    const p99 = median(measured.timeToKey.map((r) => r.p99Ms));
    rows.push({
      case: 'time to key, 10 closed-loop clients, LiteLLM answering in 20 ms',
      product: `p50 ${thousands(p50)} ms, p99 ${thousands(p99)} ms`,
      reference: '–',
      ratio: '–',
      target: `p50 < ${TIME_TO_KEY_MAX_MS.p50} ms, p99 < ${TIME_TO_KEY_MAX_MS.p99} ms`,
      met: p50 < TIME_TO_KEY_MAX_MS.p50 && p99 < TIME_TO_KEY_MAX_MS.p99,
    });
  }
  const resident = Object.values(measured.residentKib);
  if (resident.length > 0) {
    const mib = Math.max(...resident) / 1024;
    rows.push({
      case: 'resident memory after the runs (largest SQLite product process)',
      product: `${thousands(mib)} MiB`,
      reference: '–',
      ratio: '–',
      target: `< ${MAX_RESIDENT_MIB} MiB`,
      met: mib < MAX_RESIDENT_MIB,
    });
  }
  const k8s = measured.kubernetes;
  if (k8s) {
    const [small, large] = sizes.map(thousands);
    const rps = (pick: 'small' | 'large') => median(k8s.rounds.map((r) => r[pick].submit.requestsPerSecond));
    const secs = (pick: 'small' | 'large') => median(k8s.rounds.map((r) => r[pick].pipeline.seconds));
    rows.push({
      case: `Kubernetes POST, new address each: cost at ${large} / ${small} stored`,
      product: `${thousands(rps('large'))} req/s at ${large}`,
      reference: `${thousands(rps('small'))} req/s at ${small}`,
      ratio: fixed(k8s.submitCostRatio, 2),
      target: `≤ ${MAX_KUBERNETES_COST_RATIO}`,
      met: k8s.submitCostRatio <= MAX_KUBERNETES_COST_RATIO,
    });
    rows.push({
      case: `Kubernetes pipeline (${thousands(kubernetesPipelineRequests)} requests): cost at ${large} / ${small} stored`,
      product: `${fixed(secs('large'), 2)} s at ${large}`,
      reference: `${fixed(secs('small'), 2)} s at ${small}`,
      ratio: fixed(k8s.pipelineCostRatio, 2),
      target: `≤ ${MAX_KUBERNETES_COST_RATIO}`,
      met: k8s.pipelineCostRatio <= MAX_KUBERNETES_COST_RATIO,
    });
  }
  return rows;
}

/** A Markdown table: readable in a terminal and pasteable into docs/performance.md. */
export function formatTable(rows: readonly Figure[]): string {
  const header = ['case', 'product', 'reference', 'ratio', 'target', 'met'];
  const cells = rows.map((row) => [
    row.case,
    row.product,
    row.reference,
    row.ratio,
    row.target,
    row.met ? 'yes' : 'no',
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map((cell) => (cell[i] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}
