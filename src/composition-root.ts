import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAdminService } from './admin/admin-service.js';
import { buildApp } from './app.js';
import { createApprovalChain } from './approval/plugin-registry.js';
import type { AppConfig } from './config/app-config.js';
import { createKeyUsageLookup } from './litellm/key-usage.js';
import { createLiteLlmClient, newKeyValue } from './litellm/litellm-client.js';
import { createLogMailer } from './mail/log-mailer.js';
import type { Mailer } from './mail/mailer.js';
import { createSmtpMailer } from './mail/smtp-mailer.js';
import { createModelCatalog } from './models/model-catalog.js';
import { configuredIcons, loadModelIcons } from './models/model-icons.js';
import { createMetrics, registerHttpMetrics } from './ops/metrics.js';
import { createNewRequestLimiter, unlimitedNewRequests } from './rate-limits/new-request-limiter.js';
import { createSubmissionDecider } from './requests/decision.js';
import { createRequestService } from './requests/request-service.js';
import { createRequesterTokens } from './requests/requester-token.js';
import { createStore } from './store/create-store.js';
import type { RequestStore } from './store/request-store.js';
import { type ApprovalWorker, createApprovalWorker, workerOwnerId } from './worker/approval-worker.js';
import { createMailLinks } from './worker/notifications.js';
import { createRequestProcessor } from './worker/request-processor.js';

/** The built web UI (`npm run build:web`), relative to this file in src/ and in dist/. */
const WEB_DIST = fileURLToPath(new URL('../web/dist', import.meta.url));

export interface Service {
  app: FastifyInstance;
  store: RequestStore;
  worker: ApprovalWorker;
  /** Stops the HTTP server (in-flight requests finish), then the worker (in-flight steps finish),
   * then closes the store and the mailer. */
  close(): Promise<void>;
}

/** The composition root: builds every adapter from the config and wires the services.
 * Everything that can be wrong in the config fails here, before anything listens. */
export async function createService(config: AppConfig, logger: Logger): Promise<Service> {
  const chain = createApprovalChain(config.approvalPlugins, {
    logger: logger.child({ component: 'approval' }),
    configKey: config.approvalPluginsKey,
  });
  const litellm = createLiteLlmClient({
    baseUrl: config.litellm.baseUrl,
    apiKey: config.litellm.apiKey,
    logger: logger.child({ component: 'litellm' }),
  });
  const mailer: Mailer =
    config.smtp.host === 'log'
      ? createLogMailer({ logger: logger.child({ component: 'mail' }), from: config.smtp.from })
      : createSmtpMailer({ smtp: config.smtp, logger: logger.child({ component: 'mail' }) });
  const store = await createStore(config, logger);

  const catalog = createModelCatalog({
    config,
    logger,
    fetchProxyModels: async () => {
      const models = await litellm.listModels();
      if (!models.ok) {
        throw new Error(models.error.message);
      }
      return models.value;
    },
  });
  const icons = loadModelIcons({
    icons: configuredIcons(config),
    logger: logger.child({ component: 'icons' }),
  });
  const metrics = createMetrics({ storeStats: () => store.stats() });

  // Review notices go to admin.notify and to the reviewers named by review plugins.
  const adminNotify = [...new Set([...config.admin.notify, ...chain.reviewers])];
  const countDecision = (plugin: string, decision: string) => metrics.decisions.inc({ plugin, decision });
  const tokens = createRequesterTokens({ store, publicUrl: config.publicUrl });
  const policy = { remindBeforeMs: config.lifecycle.remindBeforeMs };
  const owner = workerOwnerId();
  const processRequest = createRequestProcessor({
    owner,
    store,
    chain,
    litellm,
    mailer,
    newKeyValue,
    keySettingsFor: (model) => {
      const own = catalog.configured(model)?.key ?? {};
      const defaults = config.litellm.keyDefaults;
      return { ...defaults, ...own, metadata: { ...defaults.metadata, ...own.metadata } };
    },
    gatewayUrl: config.litellm.gatewayUrl,
    adminNotify,
    links: createMailLinks({ tokens, publicUrl: config.publicUrl }),
    policy,
    retainApiKeys: config.retainApiKeys,
    claimTimeoutMs: config.approval.claimTimeoutMs,
    logger: logger.child({ component: 'worker' }),
    observer: {
      decision: countDecision,
      mint: (outcome, seconds) => {
        metrics.mintAttempts.inc({ outcome });
        metrics.mintDuration.observe(seconds);
      },
      mail: (kind, outcome, seconds) => {
        metrics.mailAttempts.inc({ kind, outcome });
        metrics.mailDuration.observe(seconds);
      },
      notificationFailed: (kind) => metrics.notificationsFailed.inc({ kind }),
    },
  });
  const worker = createApprovalWorker({
    owner,
    store,
    processRequest,
    intervalMs: config.approval.queueIntervalMs,
    claimTimeoutMs: config.approval.claimTimeoutMs,
    policy,
    concurrency: config.approval.concurrency,
    logger: logger.child({ component: 'worker' }),
    onPass: () => metrics.workerPasses.inc(),
  });

  // Spend and budget on the requester's page and the admin detail; a page waits at most 1 s.
  const keyUsage = createKeyUsageLookup({ litellm, timeoutMs: 1000 });
  const requests = createRequestService({
    store,
    keyUsage,
    catalog,
    tokens,
    lifecycle: config.lifecycle,
    email: config.email,
    wakeWorker: () => worker.wake(),
    decide: createSubmissionDecider(chain, { reviewNoticeOwed: adminNotify.length > 0 }),
    onDecided: (outcome) => countDecision(outcome.plugin ?? 'default', outcome.decision),
  });
  const newRequests = config.limits.rateLimitsEnabled
    ? createNewRequestLimiter({
        perAddress: config.limits.newRequestsPerAddress,
        perDomain: config.limits.newRequestsPerDomain,
      })
    : unlimitedNewRequests;
  const { username, password } = config.admin;
  const credentials = username !== null && password !== null ? { username, password } : null;
  const admin =
    credentials !== null || config.mcp.apiKey !== null
      ? {
          admin: createAdminService({
            store,
            wakeWorker: () => worker.wake(),
            lifecycle: config.lifecycle,
            keyUsage,
          }),
          credentials,
          mcpApiKey: config.mcp.apiKey,
        }
      : null;
  const app = await buildApp({
    config,
    logger,
    store,
    catalog,
    requests,
    newRequests,
    admin,
    metrics: metrics.registry,
    icons,
    uiDir: WEB_DIST,
    instrument: (instance) => registerHttpMetrics(instance, metrics),
  });

  return {
    app,
    store,
    worker,
    async close() {
      await app.close();
      await worker.stop();
      await store.close();
      await mailer.close();
    },
  };
}
