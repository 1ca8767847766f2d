import type { FakeKubernetes, Fault } from '../support/fake-kubernetes.js';
import type { FailureMode, FakeLiteLlm } from '../support/fake-litellm.js';
import type { SmtpInterference, SmtpStage } from '../support/smtp-sink.js';

/** The faults the suite injects into the three dependencies while it runs, each drawn per call
 * or per message, so their number follows the traffic. Every one is a failure the service must
 * ride out without losing or duplicating anything:
 * - Kubernetes API: 500s on writes, some before the write and some after it was committed (the
 *   answer lost), 500s on reads, and spurious 409 Conflicts on updates (as if someone else had
 *   written first);
 * - LiteLLM: 500s; hangs longer than the client's timeout; and answers lost after the key was
 *   minted (the connection is reset, or never answered, once the key exists);
 * - SMTP: 421 at MAIL FROM and 451 after the data (temporary refusals), and connections dropped
 *   without an answer. (Recipients refused for good, 550, are set on the sink by the suite.) */
export interface FaultInjection {
  /** For the SMTP sink's `interfere` option. */
  interfere(stage: SmtpStage): SmtpInterference | null;
  start(): void;
  stop(): void;
  /** How many faults each dependency answered with, by kind, e.g. `kubernetes PUT 500×31 …`. */
  summary(): string;
  /** How many faults each dependency answered with. */
  injected(): Record<'kubernetes' | 'litellm' | 'smtp', number>;
}

/** Chance per call or message; small enough that most steps go through, large enough that
 * every step of every request meets some faults over a run. */
const KUBERNETES: Fault[] = [
  { method: 'PUT', status: 500, probability: 0.05 },
  { method: 'PUT', status: 500, probability: 0.03, afterHandling: true },
  { method: 'PUT', status: 409, probability: 0.05 },
  { method: 'POST', status: 500, probability: 0.04 },
  { method: 'POST', status: 500, probability: 0.03, afterHandling: true },
  { method: 'GET', status: 500, probability: 0.02 },
];

const LITELLM: { path: string; mode: FailureMode; probability: number; afterHandling?: boolean }[] = [
  { path: '/key/generate', mode: { status: 500 }, probability: 0.08 },
  { path: '/key/generate', mode: 'hang', probability: 0.03 },
  { path: '/key/generate', mode: 'reset', probability: 0.06, afterHandling: true },
  { path: '/key/generate', mode: 'hang', probability: 0.02, afterHandling: true },
  { path: '/key/info', mode: { status: 500 }, probability: 0.05 },
  { path: '/key/info', mode: 'hang', probability: 0.02 },
  { path: '/key/update', mode: { status: 500 }, probability: 0.1 },
  { path: '/key/update', mode: 'reset', probability: 0.05, afterHandling: true },
];

const SMTP: { stage: SmtpStage; interference: SmtpInterference; probability: number }[] = [
  { stage: 'mail', interference: { code: 421 }, probability: 0.05 },
  { stage: 'data', interference: { code: 451 }, probability: 0.05 },
  { stage: 'mail', interference: 'drop', probability: 0.03 },
  { stage: 'data', interference: 'drop', probability: 0.05 },
];

export function createFaultInjection(deps: { kube: FakeKubernetes; litellm: FakeLiteLlm }): FaultInjection {
  const { kube, litellm } = deps;
  let active = false;
  const smtpCounts = new Map<string, number>();

  /** The faults the fakes recorded answering with, by method or path and kind. */
  function byKind() {
    const kubernetes = new Map<string, number>();
    for (const request of kube.requests) {
      if (request.fault !== undefined) {
        const what = `${request.method} ${request.fault}`;
        kubernetes.set(what, (kubernetes.get(what) ?? 0) + 1);
      }
    }
    const proxy = new Map<string, number>();
    for (const call of litellm.calls) {
      if (call.failed !== undefined) {
        const what = `${call.path} ${call.failed}`;
        proxy.set(what, (proxy.get(what) ?? 0) + 1);
      }
    }
    return { kubernetes, proxy };
  }

  function tally(counts: Map<string, number>): string {
    return [...counts.entries()].map(([what, count]) => `${what}×${count}`).join(' ') || 'none';
  }

  return {
    interfere(stage) {
      if (!active) {
        return null;
      }
      const hit = SMTP.find((rule) => rule.stage === stage && Math.random() < rule.probability);
      if (hit === undefined) {
        return null;
      }
      const what = hit.interference === 'drop' ? `drop@${stage}` : String(hit.interference.code);
      smtpCounts.set(what, (smtpCounts.get(what) ?? 0) + 1);
      return hit.interference;
    },
    start() {
      for (const fault of KUBERNETES) {
        kube.injectFault(fault);
      }
      for (const { path, mode, probability, afterHandling } of LITELLM) {
        litellm.failRandomly(probability, mode, { path, afterHandling });
      }
      active = true;
    },
    stop() {
      kube.clearFaults();
      litellm.stopFailing();
      active = false;
    },
    summary() {
      const { kubernetes, proxy } = byKind();
      return `kubernetes ${tally(kubernetes)}; litellm ${tally(proxy)}; smtp ${tally(smtpCounts)}`;
    },
    injected() {
      const { kubernetes, proxy } = byKind();
      const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
      return { kubernetes: total(kubernetes), litellm: total(proxy), smtp: total(smtpCounts) };
    },
  };
}
