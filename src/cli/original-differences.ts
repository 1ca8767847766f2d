import type { ApprovalChain } from '../approval/approval-types.js';
import type { AppConfig } from '../config/app-config.js';
import { TLS_MODE_TEXT, tlsModeFor } from '../mail/smtp-options.js';
import { fromStates } from '../requests/transitions.js';
import { formatDuration } from './cli-output.js';

/** Secrets the original service shipped as examples (its config.yaml and chart defaults):
 * whoever read its README knows them. */
const SHIPPED_SECRETS: Record<string, string> = {
  'change-me-in-production': 'admin.password / ADMIN_PASSWORD',
  'change-me-to-a-secure-api-key': 'mcp.api_key / MCP_API_KEY',
};

export interface OriginalReport {
  /** How this configuration behaves here where the original service behaved otherwise. */
  differences: string[];
  /** What an operator should change: settings that may leak keys or let strangers in. */
  warnings: string[];
}

/** What `check-config` says about a configuration written for the original Python service
 * (docs/migrating.md, "What differs"): only what applies to this configuration. */
export function originalDifferences(
  config: AppConfig,
  chain: Pick<ApprovalChain, 'plugins' | 'reviewers'>,
): OriginalReport {
  const differences: string[] = [
    config.smtp.host === 'log'
      ? 'smtp: host "log" writes mails to the log instead of sending them (the original had no such mailer)'
      : smtpDifference(config.smtp),
  ];
  const warnings: string[] = [];
  const { admin, mcp } = config;
  const adminOn = admin.username !== null && admin.password !== null;

  if (!adminOn) {
    differences.push(
      'admin API: off (404) without ADMIN_USERNAME and ADMIN_PASSWORD; the original fell back to admin / change-me-in-production',
    );
  }
  if (adminOn || mcp.apiKey !== null) {
    differences.push(
      'admin approve (API, console, MCP, CLI): changes the state; the worker then mints the key on LiteLLM and ' +
        'mails it, retrying while LiteLLM fails (the original minted at once and denied the request when LiteLLM failed)',
      `admin decisions follow the state rules: approve from ${fromStates('approve', ', ')} (from the last three ` +
        `as a re-issue, a new cycle), deny from ${fromStates('deny')} only (409 otherwise); the original ` +
        'accepted any state',
      'keys: shown masked (sk-…abcd) by the admin API, the console, MCP and the CLI; the original admin API showed them in full',
    );
  }
  differences.push(
    mcp.apiKey === null
      ? `mcp: no mcp.api_key; ${adminOn ? '/mcp takes the admin credentials only' : '/mcp is off'} (the original refused to start without one)`
      : `mcp: /mcp and /mcp/ take the key as a Bearer token${adminOn ? ', or the admin credentials' : ''}; decisions made with it are recorded in the history as mcp:api-key`,
  );
  differences.push(
    `approval.queue_interval ${formatDuration(config.approval.queueIntervalMs)}: also woken at once by a new request or a ` +
      'decision, so this is only the fallback poll (the original waited for it)',
  );
  differences.push(
    config.allowUnlistedModels
      ? 'models: any id of [A-Za-z0-9._:/@+-] may be requested (allow_unlisted_models)'
      : `models: a request for a model that is neither configured${config.litellm.enableModels ? ' nor listed by the LiteLLM proxy' : ''} ` +
          'is refused with 422 (the original accepted any text)',
  );
  differences.push(
    config.retainApiKeys
      ? 'retain_api_keys: the plain key stays in the store, as in the original'
      : 'keys at rest: the plain key leaves the store once its approval mail is delivered (only its hash and last ' +
          'four characters remain; retain_api_keys keeps it); the original kept it in the Secret',
    config.email.ignorePlusTags
      ? 'email.ignore_plus_tags: me+tag@example.com is the same requester as me@example.com (the original told them apart)'
      : 'email.ignore_plus_tags false: +tags tell requesters apart, as in the original',
  );
  if (chain.plugins.some((name) => name === 'review' || name === 'humanintheloop')) {
    const to = [...new Set([...admin.notify, ...chain.reviewers])];
    differences.push(
      `review notices: one mail per parked request to ${to.length === 0 ? 'nobody (admin.notify is empty)' : to.join(', ')}, ` +
        'subject "Key request awaiting review: <model> for <email>" (the original sent "Notification" to the plugin\'s email only)',
    );
  }
  if (chain.plugins.includes('http')) {
    differences.push(
      'http plugin: an answer PENDING keeps the request pending and asks again later (the original ignored it)',
    );
  }

  for (const [secret, where] of Object.entries(SHIPPED_SECRETS)) {
    if (admin.password === secret || mcp.apiKey === secret) {
      warnings.push(
        `${where} is the original service's example value "${secret}": anyone can guess it; set your own`,
      );
    }
  }
  return { differences, warnings };
}

/** The SMTP connection here, and the original's for the same settings when it differed. */
function smtpDifference(smtp: AppConfig['smtp']): string {
  const here = TLS_MODE_TEXT[tlsModeFor(smtp)];
  const settings = `use_tls ${smtp.useTls}, start_tls ${smtp.startTls ?? 'unset'}, port ${smtp.port}`;
  const original = originalSmtp(smtp);
  return original === here
    ? `smtp: ${here} (${settings}), as the original`
    : `smtp: ${here} (${settings}); the original: ${original}`;
}

/** What the original service did with these settings: its start_tls defaulted to true, and it
 * refused use_tls and start_tls together. */
function originalSmtp({ useTls, startTls }: AppConfig['smtp']): string {
  const start = startTls ?? true;
  if (useTls) {
    return start ? 'every send failed (use_tls with start_tls)' : TLS_MODE_TEXT.implicit;
  }
  return start ? TLS_MODE_TEXT.starttls : TLS_MODE_TEXT.opportunistic;
}
