import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailHash } from '../src/store/kubernetes/secret-codec.js';
import { type FakeKubernetes, type SecretObject, startFakeKubernetes } from './support/fake-kubernetes.js';
import { parseLabelSelector } from './support/fake-kubernetes-selector.js';
import { type FakeLiteLlm, startFakeLiteLlm } from './support/fake-litellm.js';
import { type TempKubeconfig, writeTempKubeconfig } from './support/kubeconfig.js';
import { deleteOnLiteLlm } from './support/lifecycle.js';
import { createReplicaSet, type ReplicaProcess } from './support/replica-process.js';
import { type SmtpSink, startSmtpSink } from './support/smtp-sink.js';
import { waitUntil } from './support/wait.js';
import { moreWorkerPasses } from './support/worker-passes.js';

const NAMESPACE = 'llm-keys';
const MODEL = 'gpt-4o';
/** Keys for this model live a few seconds: they expire while the replicas run and are renewed. */
const SHORT_MODEL = 'gpt-4o-mini';
const REQUESTS = 300;
/** Of the requests, this many are for SHORT_MODEL: each expires and is renewed by a second POST
 * (every third one after its key was deleted at the proxy, so the renewal mints a new key). */
const RENEWALS = 30;
/** Requests in flight from the test's client at once. */
const CLIENT_CONCURRENCY = 12;
/** The victim is killed once this many POSTs were answered and mails delivered ... */
const KILL_AFTER_ANSWERS = 100;
const KILL_AFTER_MAILS = 30;
/** ... and before this many, so that later POSTs still hit its dead port. */
const KILL_BEFORE_ANSWERS = 200;

const CONFIG = `
models:
  - {id: ${MODEL}, title: GPT-4o}
  - {id: ${SHORT_MODEL}, title: GPT-4o mini, key: {duration: 3s}}
litellm:
  enable_litellm_models: false
  key_defaults: {max_budget: 5}
approval: {queue_interval: 500ms, claim_timeout: 3s, concurrency: 8}
approval_plugins:
  - {name: whitelist, config: {list: ["${MODEL}", "${SHORT_MODEL}"]}}
lifecycle: {remind_before: 0}
`;

const LABEL = {
  state: 'request-state',
  handled: 'llm-key-requestor/handled-state',
} as const;
const LEASE_OWNER = 'llm-key-requestor/lease-owner';

/** One try of one submission: which replica, and how it ended. */
interface Attempt {
  replica: string;
  outcome: 'answered' | 'failed';
  detail: string;
}
interface Submission {
  email: string;
  requestId: string;
  attempts: Attempt[];
}
/** A request for SHORT_MODEL: submitted, expired, renewed. */
interface Renewal extends Submission {
  /** The key of the first cycle (its hash, as the Secret recorded it, and the key). */
  firstHash: string;
  firstKey: string;
  /** Whether its key was deleted at the proxy before the renewal (a new key is minted). */
  deletedAtProxy: boolean;
}

let kube: FakeKubernetes;
let litellm: FakeLiteLlm;
let smtp: SmtpSink;
let kubeconfig: TempKubeconfig;
const replicas = createReplicaSet();

beforeAll(async () => {
  kube = await startFakeKubernetes();
  litellm = await startFakeLiteLlm({ masterKey: 'sk-master-replicas' });
  smtp = await startSmtpSink();
  kubeconfig = await writeTempKubeconfig({ server: kube.url, namespace: NAMESPACE });
});

afterAll(async () => {
  await replicas.cleanup();
  await Promise.all([kube?.close(), litellm?.close(), smtp?.close(), kubeconfig?.remove()]);
});

function requestSecrets(): SecretObject[] {
  return kube.storage.list({
    namespace: NAMESPACE,
    labels: parseLabelSelector('app.kubernetes.io/component=llm-key-request'),
    fields: [],
    limit: undefined,
    continueToken: undefined,
  }).items;
}

function decode(value: string | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** Request ids whose lease `owner` holds right now, read straight from the fake's storage. */
function leasedBy(owner: string): string[] {
  return requestSecrets()
    .filter((secret) => secret.metadata.annotations?.[LEASE_OWNER] === owner)
    .map((secret) => secret.metadata.name.replace(/^llm-key-request-/, ''));
}

/** The id of the one request Secret for `email`, found by its email-hash label. */
function requestIdOf(email: string): string {
  const found = kube.storage.list({
    namespace: NAMESPACE,
    labels: parseLabelSelector(`llm-key-requestor/email-hash=${emailHash(email)}`),
    fields: [],
    limit: undefined,
    continueToken: undefined,
  }).items;
  if (found.length !== 1) {
    throw new Error(`${email} answered as existing, but ${found.length} request Secrets hold it`);
  }
  return decode(found[0]?.data?.request_id) ?? '';
}

/** POSTs one request, starting at replica `first`; a connection error or a 5xx moves on
 * to the next replica, the way a load balancer's client would retry. Re-posting is safe:
 * the same email and model give the same request (answered neutrally the second time). */
async function submit(
  pool: ReplicaProcess[],
  email: string,
  first: number,
  model = MODEL,
): Promise<Submission> {
  const attempts: Attempt[] = [];
  for (let i = 0; i < pool.length * 3; i++) {
    const replica = pool[(first + i) % pool.length];
    if (replica === undefined) {
      break;
    }
    try {
      const response = await fetch(`${replica.url}/api/request-key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, llm: model }),
        signal: AbortSignal.timeout(20_000),
      });
      const body = (await response.json()) as { request_id?: unknown; success?: unknown };
      if (response.status === 200 && typeof body.request_id === 'string') {
        attempts.push({ replica: replica.name, outcome: 'answered', detail: '200' });
        return { email, requestId: body.request_id, attempts };
      }
      // A re-post after an answer was lost finds the request the first try made, and is
      // answered neutrally (no id): the request is in, so take its id from the store.
      if (response.status === 200 && body.success === true && body.request_id === null) {
        attempts.push({ replica: replica.name, outcome: 'answered', detail: '200 (existing)' });
        return { email, requestId: requestIdOf(email), attempts };
      }
      attempts.push({ replica: replica.name, outcome: 'failed', detail: `HTTP ${response.status}` });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const code = (cause as { code?: unknown }).code;
      attempts.push({
        replica: replica.name,
        outcome: 'failed',
        detail: typeof code === 'string' ? code : String(cause),
      });
    }
  }
  throw new Error(`${email} was not accepted by any replica: ${JSON.stringify(attempts)}`);
}

/** The request Secret of an id, as stored right now. Read by name: the renewals poll it, and
 * copying every Secret on each poll would starve the API server fake (it runs in this process). */
function secretOf(requestId: string): SecretObject | undefined {
  const name = `llm-key-request-${requestId}`;
  return kube.storage.list({
    namespace: NAMESPACE,
    labels: [],
    fields: [{ key: 'metadata.name', equal: true, value: name }],
    limit: undefined,
    continueToken: undefined,
  }).items[0];
}

/** Settled: the state's duties done (handled-state = request-state). */
function settledAs(secret: SecretObject | undefined, state: string): boolean {
  return (
    secret?.metadata.labels?.[LABEL.state] === state && secret.metadata.labels?.[LABEL.handled] === state
  );
}

/** Submits a SHORT_MODEL request, waits for its key to expire, then POSTs again to renew it. */
async function renew(pool: ReplicaProcess[], index: number): Promise<Renewal> {
  const email = `renew${String(index).padStart(3, '0')}@example.com`;
  const first = await submit(pool, email, index % pool.length, SHORT_MODEL);
  const expired = await waitUntil(
    () => {
      const secret = secretOf(first.requestId);
      return settledAs(secret, 'expired') ? secret : null;
    },
    { timeoutMs: 90_000, intervalMs: 100, what: `${email} to expire` },
  );
  const firstHash = decode(expired.data?.key_hash) ?? '';
  const firstKey = litellm.allKeys().find((key) => key.token === firstHash)?.key ?? '';
  expect(firstKey).toMatch(/^sk-/);
  const deletedAtProxy = index % 3 === 0;
  if (deletedAtProxy) {
    await deleteOnLiteLlm(litellm, firstHash);
  }
  const again = await submit(pool, email, (index + 1) % pool.length, SHORT_MODEL);
  expect(again.requestId).toBe(first.requestId);
  return { ...first, attempts: [...first.attempts, ...again.attempts], firstHash, firstKey, deletedAtProxy };
}

describe('three replicas on one Kubernetes API, one of them killed mid-run', () => {
  it('turns 300 requests (30 of them renewed) into one key each and one mail per cycle, losing none', async () => {
    const started = Date.now();
    const env = {
      STATE_STORE: 'kubernetes',
      KUBECONFIG: kubeconfig.path,
      KUBERNETES_NAMESPACE: NAMESPACE,
      LITELLM_BASE_URL: litellm.url,
      LITELLM_API_KEY: litellm.masterKey,
      LITELLM_GATEWAY_URL: 'https://llm.example.com',
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      SMTP_USE_TLS: 'false',
      SMTP_FROM: 'portal@example.com',
      // One address for all replicas, as behind one Service: a mail re-sent by another replica
      // (allowed below) links to the same page as the first copy.
      PUBLIC_URL: 'https://keys.example.com',
      HOME: kubeconfig.dir,
      // One client sends all 300 from one address and one domain: this run is about the store.
      RATE_LIMITS_ENABLED: 'false',
    };
    const pool = await Promise.all(
      ['replica-a', 'replica-b', 'replica-c'].map((name) =>
        replicas.start({ name, configYaml: CONFIG, env }),
      ),
    );
    const startedUp = Date.now();
    const [victim] = pool;
    if (victim === undefined) {
      throw new Error('no replica started');
    }
    const owner = victim.logged('approval worker started')[0]?.owner;
    expect(typeof owner).toBe('string');
    const victimOwner = String(owner);

    // The kill: once a third of the POSTs are answered, mails are flowing and the victim
    // holds claimed requests (work in flight), SIGKILL it while the client keeps posting to
    // every replica (lanes only pause at KILL_BEFORE_ANSWERS if the kill is not done yet).
    let answered = 0;
    let killedAt = 0;
    let heldAtKill = new Set<string>();
    let mailsAtKill = 0;
    const killed = (async () => {
      await waitUntil(
        () =>
          answered >= KILL_AFTER_ANSWERS &&
          smtp.messages.length >= KILL_AFTER_MAILS &&
          leasedBy(victimOwner).length > 0,
        {
          timeoutMs: 60_000,
          intervalMs: 10,
          what: `${KILL_AFTER_ANSWERS} answers, ${KILL_AFTER_MAILS} mails and a claim held by the victim`,
        },
      );
      // Same tick as the kill: the fakes live in this process, so no write lands in between.
      heldAtKill = new Set(leasedBy(victimOwner));
      mailsAtKill = smtp.messages.length;
      victim.kill('SIGKILL');
      killedAt = answered;
      await victim.exited;
    })();

    const emails = Array.from(
      { length: REQUESTS - RENEWALS },
      (_, i) => `user${String(i).padStart(3, '0')}@example.com`,
    );
    const submissions: Submission[] = [];
    let next = 0;
    // The renewals run alongside the other POSTs, before, across and after the kill.
    const renewing = Promise.all(Array.from({ length: RENEWALS }, (_, index) => renew(pool, index)));
    const lane = async () => {
      for (let i = next++; i < emails.length; i = next++) {
        if (answered >= KILL_BEFORE_ANSWERS) {
          await killed;
        }
        const email = emails[i];
        if (email !== undefined) {
          submissions.push(await submit(pool, email, i % pool.length));
          answered++;
        }
      }
    };
    await Promise.all([...Array.from({ length: CLIENT_CONCURRENCY }, lane), killed]);
    const renewals = await renewing;
    const submitted = Date.now();

    expect(victim.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(heldAtKill.size).toBeGreaterThan(0);
    // No request lost on the client side: every email got an id, and the POSTs that reached
    // the dead replica were retried on a live one.
    expect(submissions).toHaveLength(REQUESTS - RENEWALS);
    expect(renewals).toHaveLength(RENEWALS);
    const everyRequest: Submission[] = [...submissions, ...renewals];
    const failedOnVictim = everyRequest.filter((s) =>
      s.attempts.some((a) => a.replica === victim.name && a.outcome === 'failed'),
    );
    expect(failedOnVictim.length).toBeGreaterThan(0);
    for (const submission of failedOnVictim) {
      expect(submission.attempts.at(-1)?.replica).not.toBe(victim.name);
      expect(submission.attempts.at(-1)?.outcome).toBe('answered');
    }
    expect(new Set(everyRequest.map((s) => s.requestId)).size).toBe(REQUESTS);

    // Everything is delivered: the survivors take over the victim's expired leases. One approval
    // mail per request and cycle (the renewals' second cycle too).
    const approvalIds = () =>
      new Set(smtp.messages.map((m) => String(m.messageId)).filter((id) => id.includes('.approval.')));
    await waitUntil(() => approvalIds().size >= REQUESTS + RENEWALS, {
      timeoutMs: 150_000,
      intervalMs: 100,
      what: `${REQUESTS + RENEWALS} approval mails`,
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${replicas.describe()}`);
    });
    const delivered = Date.now();

    // Quiet: every Secret settled (handled-state = request-state) and released by the
    // survivors; then a few more worker passes, which find nothing, before counting. A settled
    // Secret may keep the killed replica's (expired) lease: it died after recording the mail
    // but before its final write releasing the lease, and settled Secrets are never claimed.
    const renewedIds = new Set(renewals.map((r) => r.requestId));
    const quiet = (secret: SecretObject) =>
      secret.metadata.labels?.[LABEL.handled] === secret.metadata.labels?.[LABEL.state] &&
      [undefined, victimOwner].includes(secret.metadata.annotations?.[LEASE_OWNER]) &&
      (!renewedIds.has(decode(secret.data?.request_id) ?? '') || decode(secret.data?.cycle) === '2');
    await waitUntil(() => requestSecrets().length === REQUESTS && requestSecrets().every(quiet), {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'every Secret settled and released',
    }).catch((error: unknown) => {
      const stuck = requestSecrets()
        .filter((secret) => !quiet(secret))
        .map(({ metadata }) => ({
          name: metadata.name,
          labels: metadata.labels,
          annotations: metadata.annotations,
        }));
      throw new Error(`${String(error)}\n${JSON.stringify(stuck, null, 1)}\n${replicas.describe(60)}`);
    });
    const staleLeases = leasedBy(victimOwner).length;
    await moreWorkerPasses(
      pool.filter((replica) => replica !== victim).map((replica) => replica.url),
      4,
    );

    // Store: one Secret per request, its key recorded by hash only (the plain key is dropped
    // once mailed). The other requests are approved in their first cycle; the renewed ones are
    // in their second, approved or (their key lives seconds) expired again.
    const secrets = requestSecrets();
    const byId = new Map(secrets.map((s) => [decode(s.data?.request_id), s]));
    expect(secrets).toHaveLength(REQUESTS);
    for (const submission of everyRequest) {
      const secret = byId.get(submission.requestId);
      const renewed = renewedIds.has(submission.requestId);
      const state = secret?.metadata.labels?.[LABEL.state];
      if (renewed) {
        expect(['approved', 'expired']).toContain(state);
        expect(decode(secret?.data?.cycle)).toBe('2');
      } else {
        expect(state).toBe('approved');
        expect(decode(secret?.data?.cycle) ?? '1').toBe('1');
      }
      expect(secret?.metadata.annotations?.state).toBe(state);
      expect(decode(secret?.data?.email)).toBe(submission.email);
      expect(decode(secret?.data?.key_hash)).toMatch(/^[0-9a-f]{64}$/);
      expect(secret?.data?.api_key).toBeUndefined();
      expect(secret?.data?.pending_api_key).toBeUndefined();
    }

    // LiteLLM: exactly one key per request (never a second one, whatever was renewed, deleted
    // or killed), the one its Secret records; the first-cycle requests' keys are live.
    const keys = litellm.allKeys();
    const keysPerRequest = new Map<string, number>();
    for (const key of keys) {
      const id = String(key.metadata.request_id);
      keysPerRequest.set(id, (keysPerRequest.get(id) ?? 0) + 1);
    }
    expect([...keysPerRequest.values()].every((count) => count === 1)).toBe(true);
    expect(keys).toHaveLength(REQUESTS);
    expect(new Set(keys.map((k) => k.alias)).size).toBe(REQUESTS);
    expect(new Set(keys.map((k) => k.token))).toEqual(new Set(secrets.map((s) => decode(s.data?.key_hash))));
    const keyByRequest = new Map(keys.map((k) => [String(k.metadata.request_id), k]));
    for (const submission of everyRequest) {
      const key = keyByRequest.get(submission.requestId);
      expect(key?.token).toBe(decode(byId.get(submission.requestId)?.data?.key_hash));
      expect(key?.userId).toBe(submission.email);
    }
    const live = new Set(litellm.liveKeys().map((k) => k.token));
    for (const submission of submissions) {
      expect(live.has(keyByRequest.get(submission.requestId)?.token ?? '')).toBe(true);
    }
    for (const renewal of renewals) {
      const token = keyByRequest.get(renewal.requestId)?.token;
      // Extended while LiteLLM had it; a new key once it was deleted there.
      expect(token === renewal.firstHash).toBe(!renewal.deletedAtProxy);
    }

    // Mail: one approval per request and cycle, each with its own Message-ID and recipient,
    // carrying the key minted for it (a renewal that extended says so, without the key).
    // docs/design.md ("Worker") allows a resend only where the sender died between the SMTP
    // server's acceptance and recording it, and then as the same message (same Message-ID): so
    // any repeat must be a request the killed replica held, identical to the first copy. A link
    // mail answers a POST that found its request: only a re-post after a lost answer does that.
    const mails = [...smtp.messages];
    const firstCopy = new Map<string, (typeof mails)[number]>();
    const resends: string[] = [];
    for (const mail of mails) {
      const id = String(mail.messageId);
      const first = firstCopy.get(id);
      if (first === undefined) {
        firstCopy.set(id, mail);
        continue;
      }
      resends.push(id);
      const requestId = /^<([0-9a-f-]+)\./.exec(id)?.[1] ?? '';
      expect(heldAtKill.has(requestId), `${id} was sent twice but the killed replica did not hold it`).toBe(
        true,
      );
      expect([mail.to, mail.subject, mail.text, mail.html]).toEqual([
        first.to,
        first.subject,
        first.text,
        first.html,
      ]);
    }
    expect(resends.length).toBeLessThanOrEqual(heldAtKill.size);
    const retried = new Set(
      everyRequest.filter((s) => s.attempts.some((a) => a.outcome === 'failed')).map((s) => s.requestId),
    );
    const expectedIds = new Set(
      everyRequest.flatMap((s) => [
        `<${s.requestId}.approval.c1@llm-key-requestor>`,
        ...(renewedIds.has(s.requestId) ? [`<${s.requestId}.approval.c2@llm-key-requestor>`] : []),
      ]),
    );
    for (const id of firstCopy.keys()) {
      if (id.includes('.link.')) {
        const requestId = /^<([0-9a-f-]+)\./.exec(id)?.[1] ?? '';
        expect(retried.has(requestId), `${id}: a link mail for a request posted once`).toBe(true);
      } else {
        expect(expectedIds.has(id), `unexpected mail ${id}`).toBe(true);
      }
    }
    expect([...expectedIds].every((id) => firstCopy.has(id))).toBe(true);
    const to = (id: string) => firstCopy.get(id);
    for (const submission of submissions) {
      const mail = to(`<${submission.requestId}.approval.c1@llm-key-requestor>`);
      expect(mail?.to).toEqual([submission.email]);
      expect(mail?.subject).toBe(`API Key Approved for ${MODEL}`);
      expect(mail?.text).toContain(keyByRequest.get(submission.requestId)?.key ?? 'no key');
    }
    for (const renewal of renewals) {
      expect(to(`<${renewal.requestId}.approval.c1@llm-key-requestor>`)?.text).toContain(renewal.firstKey);
      const second = to(`<${renewal.requestId}.approval.c2@llm-key-requestor>`);
      expect(second?.to).toEqual([renewal.email]);
      if (renewal.deletedAtProxy) {
        expect(second?.text).toContain(keyByRequest.get(renewal.requestId)?.key ?? 'no key');
      } else {
        expect(second?.text).toContain(`ending in ${renewal.firstKey.slice(-4)} was extended until`);
        expect(second?.text).not.toContain(renewal.firstKey);
      }
    }

    const survivors = pool.filter((replica) => replica !== victim);
    for (const replica of survivors) {
      expect(replica.exit).toBeNull();
      // Neither minted keys nor the master key reach the logs.
      const sensitive = [litellm.masterKey, ...keys.map((k) => k.key), ...renewals.map((r) => r.firstKey)];
      expect(replica.logs.some((line) => sensitive.some((secret) => line.text.includes(secret)))).toBe(false);
    }
    const takenOver = survivors.flatMap((r) => r.logged('request taken over')).length;
    const stats = {
      startupMs: startedUp - started,
      submitMs: submitted - startedUp,
      deliverMs: delivered - startedUp,
      totalMs: Date.now() - started,
      killedAfterAnswers: killedAt,
      mailsAtKill,
      heldAtKill: heldAtKill.size,
      postsRetriedAfterHittingVictim: failedOnVictim.length,
      victimFailures: [
        ...new Set(
          failedOnVictim.flatMap((s) =>
            s.attempts.filter((a) => a.outcome === 'failed').map((a) => a.detail),
          ),
        ),
      ],
      resends: resends.length,
      generateCalls: litellm.calls.filter((c) => c.path === '/key/generate').length,
      updateCalls: litellm.calls.filter((c) => c.path === '/key/update').length,
      linkMails: [...firstCopy.keys()].filter((id) => id.includes('.link.')).length,
      takenOverLogs: takenOver,
      staleVictimLeases: staleLeases,
    };

    // A clean SIGTERM still works for the survivors after all this.
    const stopping = Date.now();
    const exits = await Promise.all(survivors.map((replica) => replica.stop()));
    survivors.forEach((replica, index) => {
      expect(exits[index], `${replica.name} did not stop cleanly:\n${replica.tail()}`).toEqual({
        code: 0,
        signal: null,
      });
    });
    process.stdout.write(
      `replicas-kubernetes: ${JSON.stringify({ ...stats, stopMs: Date.now() - stopping })}\n`,
    );
  }, 240_000);
});
