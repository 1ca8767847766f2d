import type { KeyRequest } from '../../src/requests/request-types.js';
import type { ReplicaProcess } from '../support/replica-process.js';
import { waitUntil } from '../support/wait.js';
import type { Scenario, Submission } from './reconcile.js';
import type { StoreView } from './store-view.js';

/** The fault suite's client: POSTs requests to whichever replicas are up (the way a load
 * balancer's client retries: a dropped connection or a 5xx moves on to another replica), and
 * plays each scenario to its end: an admin's decision for the requests parked for review, the
 * renewal of an expired key. */

export interface TrafficDeps {
  live: () => ReplicaProcess[];
  view: StoreView;
  adminAuth: string;
  /** Deletes a key at the proxy, as someone there would (by its hash). */
  deleteAtProxy: (keyHash: string) => Promise<void>;
  models: Record<'approved' | 'renewed' | 'denied' | 'review', string>;
  /** How long one call may try before the scenario fails. */
  deadlineMs: number;
}

export interface Traffic {
  /** Submits a request for the scenario and plays it to its end. */
  play(scenario: Scenario, email: string): Promise<Submission>;
}

const PAUSE_MS = 100;
const CALL_TIMEOUT_MS = 15_000;

type Reply = { status: number; json: Record<string, unknown> | null } | { failed: string };

export function createTraffic(deps: TrafficDeps): Traffic {
  const { view } = deps;

  /** Calls `path` on a random live replica until `accept` takes an answer, recording each try. */
  async function call(
    what: string,
    submission: Submission,
    request: { method: string; path: string; body?: unknown; admin?: boolean },
    accept: (reply: Reply) => boolean,
  ): Promise<void> {
    const deadline = Date.now() + deps.deadlineMs;
    while (Date.now() < deadline) {
      const replicas = deps.live();
      const replica = replicas[Math.floor(Math.random() * replicas.length)];
      if (replica !== undefined) {
        const reply = await send(replica, request);
        const ok = accept(reply);
        submission.attempts.push({
          what,
          replica: replica.name,
          outcome: ok ? 'answered' : 'failed',
          detail: 'failed' in reply ? reply.failed : `HTTP ${reply.status}`,
        });
        if (ok) {
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
    throw new Error(`${what} for ${submission.email} not accepted: ${JSON.stringify(submission.attempts)}`);
  }

  async function send(
    replica: ReplicaProcess,
    request: { method: string; path: string; body?: unknown; admin?: boolean },
  ): Promise<Reply> {
    try {
      const response = await fetch(`${replica.url}${request.path}`, {
        method: request.method,
        headers: {
          'content-type': 'application/json',
          ...(request.admin === true ? { authorization: deps.adminAuth } : {}),
        },
        body: JSON.stringify(request.body ?? {}),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      const text = await response.text();
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = null;
      }
      return { status: response.status, json };
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const code = (cause as { code?: unknown }).code;
      return { failed: typeof code === 'string' ? code : String(cause) };
    }
  }

  /** POSTs the request; a re-post after a lost answer finds it and is answered neutrally
   * (no id), so the id is then taken from the store. */
  async function submit(submission: Submission): Promise<void> {
    await call(
      'submit',
      submission,
      { method: 'POST', path: '/api/request-key', body: { email: submission.email, llm: submission.model } },
      (reply) => {
        if ('failed' in reply || reply.status !== 200 || reply.json?.success !== true) {
          return false;
        }
        const id = reply.json.request_id;
        if (typeof id === 'string') {
          submission.requestId = id;
          return true;
        }
        const found = view.idsFor(submission.email);
        if (id === null && found.length === 1) {
          submission.requestId = found[0] ?? null;
          return true;
        }
        return false;
      },
    );
  }

  /** Waits until the request's duties in `state` are done (cycle `cycle`). */
  function settledIn(submission: Submission, state: KeyRequest['state'], cycle: number): Promise<KeyRequest> {
    return waitUntil(
      () => {
        const request = view.get(submission.requestId ?? '');
        return request?.state === state && request.handledState === state && request.cycle === cycle
          ? request
          : null;
      },
      { timeoutMs: deps.deadlineMs, intervalMs: 100, what: `${submission.email} settled as ${state}` },
    );
  }

  /** An admin approves or denies a request parked for review, once its review notice is out.
   * A repeat after a lost answer meets 409 (already decided): the store says whether it was ours. */
  async function decide(submission: Submission, decision: 'approve' | 'deny'): Promise<void> {
    await settledIn(submission, 'in-review', 1);
    const decided = decision === 'approve' ? 'approved' : 'denied';
    await call(
      `admin ${decision}`,
      submission,
      {
        method: 'POST',
        path: `/api/admin/requests/${submission.requestId}/${decision}`,
        body: decision === 'deny' ? { reason: 'Not for this project' } : {},
        admin: true,
      },
      (reply) =>
        !('failed' in reply) &&
        (reply.status === 200 ||
          (reply.status === 409 && view.get(submission.requestId ?? '')?.state === decided)),
    );
  }

  /** Lets the key expire, optionally deletes it at the proxy, and asks again: a new cycle. */
  async function renew(submission: Submission, deleteFirst: boolean): Promise<void> {
    const expired = await settledIn(submission, 'expired', 1);
    if (deleteFirst && expired.keyHash !== null) {
      await deps.deleteAtProxy(expired.keyHash);
    }
    await call(
      'renew',
      submission,
      { method: 'POST', path: '/api/request-key', body: { email: submission.email, llm: submission.model } },
      (reply) =>
        !('failed' in reply) &&
        reply.status === 200 &&
        reply.json?.success === true &&
        view.get(submission.requestId ?? '')?.cycle === 2,
    );
  }

  const MODEL_OF: Record<Scenario, keyof TrafficDeps['models']> = {
    approve: 'approved',
    bounce: 'approved',
    deny: 'denied',
    'review-approve': 'review',
    'review-deny': 'review',
    renew: 'renewed',
    'renew-replace': 'renewed',
  };

  return {
    async play(scenario, email) {
      const submission: Submission = {
        scenario,
        email,
        model: deps.models[MODEL_OF[scenario]],
        requestId: null,
        attempts: [],
      };
      await submit(submission);
      switch (scenario) {
        case 'review-approve':
          await decide(submission, 'approve');
          break;
        case 'review-deny':
          await decide(submission, 'deny');
          break;
        case 'renew':
        case 'renew-replace':
          await renew(submission, scenario === 'renew-replace');
          break;
        default:
          break;
      }
      return submission;
    },
  };
}
