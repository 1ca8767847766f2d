import { join } from 'node:path';
import { writeTempKubeconfig } from '../test/support/kubeconfig.js';
import { CONNECTIONS, REVIEW_MODEL } from './bench-config.js';
import { type ProcessGroup, withCpu } from './child-process.js';
import { assertClean, createAddressBook, type LoadResult, postEachNew, runLoad } from './load.js';
import type { MailClock } from './mail-clock.js';
import type { BenchOptions } from './options.js';
import { type PipelineRound, runPipelineRound } from './pipeline-case.js';
import { type Product, REPO_ROOT, startProduct } from './product.js';
import { median } from './stats.js';

const NAMESPACE = 'bench';

export interface KubernetesRun {
  stored: number;
  pipeline: PipelineRound;
  pipelineCpuSeconds: { product: number; apiServer: number };
  submit: LoadResult;
  submitCpuSeconds: { product: number; apiServer: number };
  /** The product after the POST run. */
  residentKib: number;
}

export interface KubernetesResult {
  rounds: {
    small: KubernetesRun;
    large: KubernetesRun;
    submitCostRatio: number;
    pipelineCostRatio: number;
  }[];
  /** Medians over rounds of large/small cost: time per POST, and pipeline duration. */
  submitCostRatio: number;
  pipelineCostRatio: number;
}

/** The product on the Kubernetes store against the API server fake, filled with the small then
 * the large number of settled requests (alternating, fresh processes each time). The same
 * pipeline and POST figures as on SQLite; what counts is how much more they cost when the
 * namespace holds more requests. */
export async function runKubernetesCase(
  group: ProcessGroup,
  options: BenchOptions,
  services: { litellm: { url: string; masterKey: string }; smtp: { host: string; port: number } },
  mails: MailClock,
  log: (line: string) => void,
): Promise<KubernetesResult> {
  const [smallSize, largeSize] = options.kubernetesSizes;
  const rounds: KubernetesResult['rounds'] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const small = await measure(smallSize, `k8s${round}s`);
    const large = await measure(largeSize, `k8s${round}l`);
    const submitCostRatio = small.submit.requestsPerSecond / large.submit.requestsPerSecond;
    const pipelineCostRatio = large.pipeline.seconds / small.pipeline.seconds;
    rounds.push({ small, large, submitCostRatio, pipelineCostRatio });
    log(
      `  round ${round}/${options.rounds} kubernetes: POST ${small.submit.requestsPerSecond.toFixed(0)} / ` +
        `${large.submit.requestsPerSecond.toFixed(0)} req/s, pipeline ${small.pipeline.seconds.toFixed(2)} / ` +
        `${large.pipeline.seconds.toFixed(2)} s (${smallSize} / ${largeSize} stored)`,
    );
  }
  return {
    rounds,
    submitCostRatio: median(rounds.map((r) => r.submitCostRatio)),
    pipelineCostRatio: median(rounds.map((r) => r.pipelineCostRatio)),
  };

  /** Each figure on a fresh API server holding exactly `stored` requests, so the first case's
   * requests do not swell the count the second one is measured at. */
  async function measure(stored: number, prefix: string): Promise<KubernetesRun> {
    const pipeline = await withProduct(stored, (product) =>
      runPipelineRound(product, mails, options.kubernetesPipelineRequests, prefix),
    );
    const submit = await withProduct(stored, async (product) => {
      const addresses = createAddressBook(`${prefix}-post`);
      const result = await runLoad({
        url: product.url,
        request: postEachNew('/api/request-key', () => ({ email: addresses.next(), llm: REVIEW_MODEL })),
        connections: CONNECTIONS,
        seconds: options.seconds,
      });
      assertClean(`kubernetes POST (${stored} stored)`, result);
      return result;
    });
    return {
      stored,
      pipeline: pipeline.value,
      pipelineCpuSeconds: pipeline.cpuSeconds,
      submit: submit.value,
      submitCpuSeconds: submit.cpuSeconds,
      residentKib: submit.residentKib,
    };
  }

  async function withProduct<T>(stored: number, run: (product: Product) => Promise<T>): Promise<Measured<T>> {
    const fake = group.start(
      `kubernetes-fake-${stored}`,
      ['--import', 'tsx', join(REPO_ROOT, 'bench', 'fake-kubernetes-server.ts')],
      { SEED_COUNT: String(stored), SEED_NAMESPACE: NAMESPACE },
      REPO_ROOT,
    );
    try {
      const announced = JSON.parse(await fake.lineMatching(/^\{"url"/, 120_000)) as { url: string };
      const kubeconfig = await writeTempKubeconfig({ server: announced.url, namespace: NAMESPACE });
      try {
        const product = await startProduct(group, {
          name: `product-kubernetes-${stored}`,
          store: { kind: 'kubernetes', kubeconfigPath: kubeconfig.path, namespace: NAMESPACE },
          ...services,
        });
        try {
          await product.settle();
          const productBefore = await product.process.cpuSeconds();
          const [value, apiServer] = await withCpu(fake, () => run(product));
          const productCpu = (await product.process.cpuSeconds()) - productBefore;
          return {
            value,
            cpuSeconds: { product: productCpu, apiServer },
            residentKib: await product.process.residentKib(),
          };
        } finally {
          await product.stop();
        }
      } finally {
        await kubeconfig.remove();
      }
    } finally {
      await fake.stop();
    }
  }
}

interface Measured<T> {
  value: T;
  /** CPU the product and the API server fake used during the measurement. */
  cpuSeconds: { product: number; apiServer: number };
  residentKib: number;
}
