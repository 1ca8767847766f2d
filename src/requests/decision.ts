import type { ApprovalChain, ChainOutcome, LocalSubject } from '../approval/approval-types.js';
import type { RequestPatch } from '../store/request-store.js';
import { ACTORS, historyEntry } from './history.js';
import type { RequestState } from './request-types.js';

/** A chain outcome that decides (PENDING leaves the request pending). */
export type ChainDecision = ChainOutcome & { decision: Exclude<ChainOutcome['decision'], 'PENDING'> };

/** Whether the chain decided: anything but PENDING, which waits for an answer later. */
export function isChainDecision(outcome: ChainOutcome): outcome is ChainDecision {
  return outcome.decision !== 'PENDING';
}

export interface DecisionOptions {
  /** What an approval reserves in the same write, asked for only when the chain approved: the
   * worker's key steps give a request holding no key a new value; a decision at submission
   * reserves nothing (createSubmissionDecider). */
  reservation: () => Pick<RequestPatch, 'pendingKey'>;
  /** Whether anyone is told of a request parked in review (`admin.notify`, the review plugins'
   * `email`). Without anyone, the in-review state's only duty is done by the decision itself. */
  reviewNoticeOwed: boolean;
}

const STATE_OF: Record<ChainDecision['decision'], RequestState> = {
  APPROVE: 'approved',
  DENY: 'denied',
  REVIEW: 'in-review',
};

/** The write that records the chain's decision on a pending request: the state and reason, the
 * `decided` entry naming the plugin (the chain's own default is the worker's), an approval's
 * reserved key, and `handledState` when the new state owes nothing. The worker writes it after
 * running the chain; a submission whose chain decides locally writes it with the new request
 * (docs/design.md, "Deciding at submission"). */
export function decisionPatch(
  from: RequestState,
  outcome: ChainDecision,
  options: DecisionOptions,
): RequestPatch {
  const state = STATE_OF[outcome.decision];
  const actor = outcome.plugin === null ? ACTORS.worker : ACTORS.plugin(outcome.plugin);
  return {
    state,
    reason: outcome.reason,
    ...(state === 'approved' ? options.reservation() : {}),
    ...(state === 'in-review' && !options.reviewNoticeOwed ? { handledState: 'in-review' as const } : {}),
    append: [historyEntry('decided', actor, { from, to: state, reason: outcome.reason })],
  };
}

/** A decision made as a request is submitted: the patch written with it, and what the chain said. */
export interface LocalDecision {
  patch: RequestPatch;
  outcome: ChainDecision;
}

export interface SubmissionDeciderOptions {
  reviewNoticeOwed: boolean;
}

/** Decides a new request from its address and model when a local plugin of the chain decides
 * before any plugin that asks elsewhere; null leaves it pending for the worker. No I/O, so the
 * decision is written in the request's own insert instead of a claim and an update later.
 *
 * An approval reserves no key value here: the worker reserves it in a write of its own run,
 * which tells it the value was never sent to LiteLLM, so the mint is one `/key/generate`. A
 * value reserved in the insert could have been sent by an earlier run that died before
 * recording the key, so every mint of it would first ask LiteLLM whether it exists. */
export function createSubmissionDecider(
  chain: Pick<ApprovalChain, 'decideLocally'>,
  options: SubmissionDeciderOptions,
): (subject: LocalSubject) => LocalDecision | null {
  const reservation = () => ({});
  return (subject) => {
    const outcome = chain.decideLocally(subject);
    if (outcome === null || !isChainDecision(outcome)) {
      return null;
    }
    return {
      outcome,
      patch: decisionPatch('pending', outcome, { reservation, reviewNoticeOwed: options.reviewNoticeOwed }),
    };
  };
}
