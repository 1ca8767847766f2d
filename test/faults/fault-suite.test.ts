import { writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeKubernetes, startFakeKubernetes } from '../support/fake-kubernetes.js';
import { type FakeLiteLlm, startFakeLiteLlm } from '../support/fake-litellm.js';
import { type TempKubeconfig, writeTempKubeconfig } from '../support/kubeconfig.js';
import { deleteOnLiteLlm } from '../support/lifecycle.js';
import { basicAuth } from '../support/service-harness.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { waitUntil } from '../support/wait.js';
import { createFaultInjection } from './fault-injection.js';
import {
  type DeliveredMail,
  isSettled,
  reconcile,
  reconciliationLine,
  type Scenario,
  type Submission,
} from './reconcile.js';
import { type ReplicaPool, startReplicaPool } from './replica-pool.js';
import { storeView } from './store-view.js';
import { createTraffic } from './traffic.js';

// The fault suite (`npm run test:faults`, docs/design.md "Testing under faults"): three replicas
// on the Kubernetes API fake while every dependency misbehaves and a replica is SIGKILLed every
// few seconds, then one reconciliation of what came out. Sized for a 2-core machine; the
// environment scales it.

/** Seconds of faults (traffic, injected failures, kills). */
const FAULT_SECONDS = Number(process.env.FAULTS_SECONDS ?? 60);
/** New requests per second while the faults run. */
const RATE = Number(process.env.FAULTS_RATE ?? 4);
/** A replica is killed every this many seconds (drawn between the two), once all are up. */
const KILL_EVERY_S = [3, 6] as const;
/** After the faults stop, how long everything may take to settle. */
const SETTLE_MS = 150_000;

const REPLICAS = ['replica-a', 'replica-b', 'replica-c'];
const NAMESPACE = 'llm-keys';
const MODELS = {
  approved: 'gpt-4o',
  renewed: 'gpt-4o-mini',
  denied: 'blocked-model',
  review: 'review-model',
};
const REVIEWERS = ['reviewers@example.com'];
const ADMIN = { user: 'admin', password: 'faults-admin-password' };

/** `claim_timeout: 10s`, far below the default, so the leases of killed replicas come free
 * within the run, yet longer than any mail step takes on a loaded machine (a step that outlasts
 * its lease is taken over and done again); a LiteLLM call that hangs (10 s) outlasts it, so mints
 * are taken over mid-call. */
const CONFIG = `
models:
  - {id: ${MODELS.approved}, title: GPT-4o}
  - {id: ${MODELS.renewed}, title: GPT-4o mini, key: {duration: 4s}}
  - {id: ${MODELS.denied}, title: Blocked}
  - {id: ${MODELS.review}, title: Needs review}
litellm:
  enable_litellm_models: false
  key_defaults: {max_budget: 5}
approval: {queue_interval: 500ms, claim_timeout: 10s, concurrency: 8}
approval_plugins:
  - {name: blacklist, config: {list: ["${MODELS.denied}"]}}
  - {name: review, config: {patterns: ["${MODELS.review}"]}}
  - {name: whitelist, config: {list: ["${MODELS.approved}", "${MODELS.renewed}"]}}
admin: {notify: [${REVIEWERS.join(', ')}]}
lifecycle: {remind_before: 0}
`;

/** The scenarios in the order the client starts them, round and round: mostly auto-approvals,
 * with denials, reviews and renewals mixed in, and now and then a recipient refused for good. */
const ROTATION: Scenario[] = [
  'approve',
  'deny',
  'approve',
  'review-approve',
  'approve',
  'renew',
  'approve',
  'review-deny',
  'approve',
  'renew-replace',
  'deny',
  'approve',
];
const BOUNCE_EVERY = 25;

let kube: FakeKubernetes | undefined;
let litellm: FakeLiteLlm | undefined;
let smtp: SmtpSink | undefined;
let kubeconfig: TempKubeconfig | undefined;
let pool: ReplicaPool | undefined;

afterAll(async () => {
  await pool?.cleanup();
  await Promise.all([kube?.close(), litellm?.close(), smtp?.close(), kubeconfig?.remove()]);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('the fault suite', () => {
  it('loses and duplicates nothing while dependencies fail and replicas are killed', async () => {
    const started = Date.now();
    const k8s = await startFakeKubernetes();
    kube = k8s;
    const proxy = await startFakeLiteLlm({
      masterKey: 'sk-master-faults',
      models: Object.values(MODELS),
    });
    litellm = proxy;
    const faults = createFaultInjection({ kube: k8s, litellm: proxy });
    const view = storeView(k8s, NAMESPACE);
    const mails: DeliveredMail[] = [];
    const sink = await startSmtpSink({
      interfere: (stage) => faults.interfere(stage),
      // Runs before the server answers 250, in this process: the lease annotation read here is
      // the one the sending worker holds.
      onMessage(mail) {
        const id = String(mail.messageId);
        const requestId = /^<([^.]+)\./.exec(id)?.[1] ?? '';
        mails.push({
          messageId: id,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          at: Date.now(),
          sender: view.leaseOwner(requestId),
        });
      },
    });
    smtp = sink;
    kubeconfig = await writeTempKubeconfig({ server: k8s.url, namespace: NAMESPACE });
    const replicas = await startReplicaPool({
      names: REPLICAS,
      configYaml: CONFIG,
      env: {
        STATE_STORE: 'kubernetes',
        KUBECONFIG: kubeconfig.path,
        KUBERNETES_NAMESPACE: NAMESPACE,
        LITELLM_BASE_URL: proxy.url,
        LITELLM_API_KEY: proxy.masterKey,
        SMTP_HOST: sink.host,
        SMTP_PORT: String(sink.port),
        SMTP_USE_TLS: 'false',
        SMTP_FROM: 'portal@example.com',
        // Mails link the portal at one address whichever replica sends them, so a crash resend
        // is the same message.
        PUBLIC_URL: 'https://keys.example.com',
        LITELLM_GATEWAY_URL: 'https://llm.example.com',
        ADMIN_USERNAME: ADMIN.user,
        ADMIN_PASSWORD: ADMIN.password,
        RATE_LIMITS_ENABLED: 'false',
        HOME: kubeconfig.dir,
      },
    });
    pool = replicas;
    const startedUp = Date.now();

    const traffic = createTraffic({
      live: () => replicas.live(),
      view,
      adminAuth: basicAuth(ADMIN.user, ADMIN.password),
      deleteAtProxy: (hash) => deleteOnLiteLlm(proxy, hash),
      models: MODELS,
      deadlineMs: SETTLE_MS,
    });

    // The fault phase: requests at a steady rate, each scenario played to its end in the
    // background; injected failures; a replica killed every few seconds and restarted at once.
    faults.start();
    const faultsUntil = Date.now() + FAULT_SECONDS * 1000;
    const plays: Promise<Submission>[] = [];
    const killing = (async () => {
      while (Date.now() < faultsUntil) {
        const [low, high] = KILL_EVERY_S;
        await sleep((low + Math.random() * (high - low)) * 1000);
        // One replica down at a time: the next kill waits for the last one's successor, so two
        // replicas keep serving and working (a restart takes seconds, longer on a loaded machine).
        while (Date.now() < faultsUntil && replicas.live().length < REPLICAS.length) {
          await sleep(100);
        }
        if (Date.now() < faultsUntil) {
          replicas.killOne();
        }
      }
    })();
    for (let n = 0; Date.now() < faultsUntil; n++) {
      const bounce = n % BOUNCE_EVERY === BOUNCE_EVERY - 1;
      const scenario = bounce ? 'bounce' : (ROTATION[n % ROTATION.length] ?? 'approve');
      const email = `${scenario}-${String(n).padStart(4, '0')}@example.com`;
      if (bounce) {
        sink.refuseRecipient(email, 550);
      }
      plays.push(traffic.play(scenario, email));
      await sleep(1000 / RATE);
    }
    await killing;
    faults.stop();
    const faultsStopped = Date.now();

    // Everything settles: the scenarios end (reviews decided, renewals asked), the restarts
    // finish, then every request's duties are done.
    const outcomes = await Promise.allSettled(plays);
    const submissions = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const failedPlays = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
    await replicas.settled();
    const killedOwners = new Set(replicas.kills.map((kill) => kill.owner));
    const unsettled = () =>
      submissions.filter((s) => {
        const request = view.get(s.requestId ?? '');
        return request === null || !isSettled(request, s, killedOwners);
      });
    await waitUntil(() => unsettled().length === 0, {
      timeoutMs: SETTLE_MS,
      intervalMs: 250,
      what: 'every request settled',
    }).catch(() => undefined);
    const settled = Date.now();

    const result = reconcile({
      submissions,
      requests: view.all(),
      keys: proxy.allKeys().map((key) => ({
        requestId: String(key.metadata.request_id),
        key: key.key,
        token: key.token,
        live: proxy.liveKeys().some((live) => live.token === key.token),
      })),
      mails,
      kills: replicas.kills,
      reviewers: REVIEWERS,
    });
    if (process.env.FAULTS_REPORT) {
      // Everything the reconciliation saw, for a failure to be looked into after the run.
      const report = { result, submissions, mails, kills: replicas.kills, requests: view.all() };
      await writeFile(process.env.FAULTS_REPORT, JSON.stringify({ ...report, logs: replicas.describe(1e6) }));
    }
    const line = reconciliationLine(result);
    process.stdout.write(`${line}\n`);
    process.stdout.write(
      `faults: injected ${faults.summary()}; kills ${replicas.kills.length}; scenarios not played to the end ${failedPlays.length}; start-up ${startedUp - started} ms, faults ${faultsStopped - startedUp} ms, settling ${settled - faultsStopped} ms\n`,
    );

    const details = [
      ...failedPlays.slice(0, 5),
      ...result.problems.slice(0, 40),
      ...replicas.startFailures,
    ].join('\n');
    expect(failedPlays, details).toEqual([]);
    expect(replicas.startFailures, details).toEqual([]);
    expect(result.duplicates, details).toBe(0);
    expect(result.lost, details).toBe(0);
    // The run did what it says: every dependency failed, replicas died, the requests went in.
    const injected = faults.injected();
    expect(injected.kubernetes).toBeGreaterThan(0);
    expect(injected.litellm).toBeGreaterThan(0);
    expect(injected.smtp).toBeGreaterThan(0);
    expect(replicas.kills.length).toBeGreaterThan(0);
    expect(result.requestsIn).toBe(plays.length);
    expect(plays.length).toBeGreaterThanOrEqual(Math.min(ROTATION.length, FAULT_SECONDS * RATE * 0.5));

    // A clean SIGTERM still works for whatever runs after all this.
    const exits = await replicas.stop();
    for (const exit of exits) {
      expect(exit, `${exit.name} did not stop cleanly:\n${replicas.describe(40)}`).toMatchObject({
        code: 0,
        signal: null,
      });
    }
  });
});
