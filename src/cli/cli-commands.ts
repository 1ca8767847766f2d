import type { AdminFilter, AdminService } from '../admin/admin-service.js';
import { toAdminDetail, toAdminView } from '../admin/admin-view.js';
import { listUpTo } from '../admin/list-requests.js';
import { type ApprovalChainDeps, createApprovalChain } from '../approval/plugin-registry.js';
import type { AppConfig } from '../config/app-config.js';
import { smtpSecurityWarnings, TLS_MODE_TEXT, tlsModeFor } from '../mail/smtp-options.js';
import { ACTORS } from '../requests/history.js';
import type { AdminAction } from '../requests/transitions.js';
import { DECISION_TEXT } from './cli-args.js';
import { formatDuration, formatRequest, formatTable, pendingDuty, printable, toJson } from './cli-output.js';
import { originalDifferences } from './original-differences.js';

/** Each command returns what to print on stdout; failures are thrown (AppError, ConfigError)
 * and turned into a message and an exit status by run-cli.ts. */

export interface CheckConfigInput {
  config: AppConfig;
  /** Where the config was read from, for the summary. */
  configPath: string;
  logger: ApprovalChainDeps['logger'];
}

/** Everything the server checks before it listens, without touching the store or the network. */
export function checkConfig({ config, configPath, logger }: CheckConfigInput): string {
  const chain = createApprovalChain(config.approvalPlugins, { logger, configKey: config.approvalPluginsKey });
  const { store, smtp, litellm } = config;
  const plugins =
    chain.plugins.length === 0
      ? 'none (every request is denied: "No approval plugins configured")'
      : chain.plugins.map((name, index) => `${index + 1}. ${name}`).join('  ');
  // The same rule as the catalog: an explicit featured_models list wins over `featured: true`.
  const featured =
    config.featuredModels.length > 0
      ? config.featuredModels.length
      : config.models.filter((model) => model.featured === true).length;
  const encryption = TLS_MODE_TEXT[tlsModeFor(smtp)];
  const lines: [string, string][] = [
    ['config', configPath],
    [
      'store',
      store.kind === 'sqlite' ? `sqlite ${store.sqlitePath}` : `kubernetes, namespace ${store.namespace}`,
    ],
    [
      'models',
      `${config.models.length} configured, ${featured} featured` +
        (litellm.enableModels ? `, plus what ${litellm.baseUrl}/v1/models lists` : '') +
        (config.allowUnlistedModels ? ', unlisted ids allowed' : ''),
    ],
    ['plugins', `${config.approvalPluginsKey}: ${plugins}`],
    ['queue', `every ${formatDuration(config.approval.queueIntervalMs)} (APPROVAL_QUEUE_INTERVAL)`],
    ['litellm', litellm.baseUrl],
    [
      'smtp',
      smtp.host === 'log'
        ? 'log (mails are written to the log, not sent)'
        : `${smtp.host}:${smtp.port} (${encryption}), from ${smtp.from}`,
    ],
    ['admin API', config.admin.username === null ? 'off (ADMIN_USERNAME / ADMIN_PASSWORD unset)' : 'on'],
    [
      'mcp',
      config.mcp.apiKey === null
        ? config.admin.username === null
          ? 'off'
          : 'on, admin credentials'
        : `on, Bearer key${config.admin.username === null ? '' : ' or admin credentials'}`,
    ],
  ];
  const width = Math.max(...lines.map(([name]) => name.length));
  const summary = lines.map(([name, value]) => `${name.padEnd(width)}  ${value}\n`).join('');
  const report = originalDifferences(config, chain);
  const warnings = [...(smtp.host === 'log' ? [] : smtpSecurityWarnings(smtp)), ...report.warnings];
  return (
    summary +
    '\nCompared with the original Python service (what differs, docs/migrating.md):\n' +
    bullets(report.differences) +
    (warnings.length === 0 ? '' : `\nWARNINGS:\n${bullets(warnings)}`) +
    'configuration OK\n'
  );
}

function bullets(lines: readonly string[]): string {
  return lines.map((line) => `  - ${line}\n`).join('');
}

export interface ListInput {
  filter: AdminFilter;
  limit: number;
  cursor: string | null;
  json: boolean;
}

/** Newest first. Stores cap a page, so this reads pages until `limit` requests are in. */
export async function listRequests(admin: AdminService, input: ListInput): Promise<string> {
  const { items, nextCursor: cursor } = await listUpTo(
    admin,
    input.filter,
    input.limit,
    input.cursor ?? undefined,
  );

  if (input.json) {
    return toJson({ requests: items.map(toAdminView), next_cursor: cursor });
  }
  if (items.length === 0) {
    return input.filter === 'all' ? 'No requests.\n' : `No requests (filter: ${input.filter}).\n`;
  }
  const more = cursor === null ? '' : `\nMore: run again with --cursor ${cursor}\n`;
  return `${formatTable(items)}${more}`;
}

export async function showRequest(
  admin: AdminService,
  input: { id: string; json: boolean },
): Promise<string> {
  const request = await admin.get(input.id);
  return input.json ? toJson(toAdminDetail(request)) : formatRequest(request);
}

export interface ResendInput {
  id: string;
  json: boolean;
  /** Who asks (the OS user): `cli:<operator>` in the history. */
  operator: string;
  queueIntervalMs: number;
}

/** Makes the given-up notification due again; the server's worker sends it. */
export async function resendNotification(admin: AdminService, input: ResendInput): Promise<string> {
  const request = await admin.resend(input.id, ACTORS.cli(input.operator));
  if (input.json) {
    return toJson({ success: true, request: toAdminView(request) });
  }
  return (
    printable(`Re-sending the failed notification of ${request.id} (${request.email}, ${request.model}).`) +
    '\n' +
    `The server's worker will send it within APPROVAL_QUEUE_INTERVAL (${formatDuration(input.queueIntervalMs)} here).\n`
  );
}

export interface DecideInput {
  action: AdminAction;
  id: string;
  /** As given; admin.decide() trims it and defaults it for an approval. */
  reason: string | null;
  json: boolean;
  /** Who is deciding (the OS user), as the history names them: `cli:<operator>`. */
  operator: string;
  queueIntervalMs: number;
}

/** Changes the state only. The CLI has no worker: the server's worker, polling the same store,
 * does the side effects (mint, mail, delete) exactly as after a decision in the web console. */
export async function decideRequest(admin: AdminService, input: DecideInput): Promise<string> {
  const request = await admin.decide(input.action, input.id, {
    reason: input.reason,
    actor: ACTORS.cli(input.operator),
  });
  if (input.json) {
    return toJson({ success: true, request: toAdminView(request) });
  }
  const interval = formatDuration(input.queueIntervalMs);
  return (
    printable(
      `${DECISION_TEXT[input.action].done} ${request.id} (${request.email}, ${request.model}): ${request.reason ?? ''}`,
    ) +
    '\n' +
    `The server's worker will ${pendingDuty(request)} within APPROVAL_QUEUE_INTERVAL (${interval} here);\n` +
    'if no server runs against this store, that happens when one starts.\n'
  );
}
