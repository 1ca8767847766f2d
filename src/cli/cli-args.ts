import { parseArgs } from 'node:util';
import { ADMIN_FILTERS, type AdminFilter } from '../admin/admin-service.js';
import { checkReason, reasonRequired } from '../admin/decision-reason.js';
import {
  ADMIN_LIST_MAX,
  MAX_REASON_LENGTH,
  PAGE_SIZE,
  REQUEST_ID_PATTERN,
  REQUEST_ID_RULE,
} from '../requests/limits.js';
import {
  ADMIN_ACTIONS,
  ADMIN_TRANSITIONS,
  type AdminAction,
  fromStates,
  isAdminAction,
} from '../requests/transitions.js';

/** What the operator asked for, checked: every field is valid by construction. */
export type CliCommand =
  | { name: 'help' }
  | { name: 'check-config' }
  | { name: 'list'; filter: AdminFilter; limit: number; cursor: string | null; json: boolean }
  | { name: 'show'; id: string; json: boolean }
  | { name: 'resend'; id: string; json: boolean }
  /** `reason` is null only for approve, which then records who approved. */
  | { name: 'decide'; action: AdminAction; id: string; reason: string | null; json: boolean };

/** Bad command line: the caller prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The CLI reads as many pages of the store as it takes, so it may list more than one API page. */
const MAX_LIMIT = ADMIN_LIST_MAX;
const REQUEST_ID = new RegExp(REQUEST_ID_PATTERN);

/** How the CLI words each decision: what happens after it, and what it prints when done.
 * The command, its states and whether --reason is required come from the transitions table
 * and the reason rule. */
export const DECISION_TEXT: Record<AdminAction, { effect: string; done: string }> = {
  approve: { effect: "the server's worker mints and mails the key", done: 'Approved' },
  deny: { effect: 'the reason is mailed to the requester', done: 'Denied' },
  revoke: { effect: 'the key is deleted on LiteLLM and the requester told', done: 'Revoked' },
};

function decisionUsage(action: AdminAction): string {
  const command = `${action} <id> ${reasonRequired(action) ? '--reason TEXT' : '[--reason TEXT]'}`;
  const { to } = ADMIN_TRANSITIONS[action];
  return `  ${command.padEnd(31)}${fromStates(action)} -> ${to}; ${DECISION_TEXT[action].effect}\n`;
}

export const USAGE = `Usage: llm-key-requestor <command> [options]

Acts directly on the request store the server is configured with (CONFIG_FILE,
STATE_STORE, SQLITE_PATH, KUBERNETES_NAMESPACE, KUBECONFIG): no admin password needed.

Commands:
  check-config                   validate the configuration and print a summary
  list [--filter F] [--limit N] [--cursor C] [--json]
                                 requests, newest first; F is one of
                                 ${ADMIN_FILTERS.join('|')} (default all), N 1-${MAX_LIMIT} (default ${PAGE_SIZE.default})
  show <id> [--json]             one request in detail, with its history
  resend <id> [--json]           send again the notification the worker gave up on
                                 (its mail_error); the server's worker sends it
${ADMIN_ACTIONS.map(decisionUsage).join('')}  help                           this text

--json prints what the admin API returns. Keys are only ever shown masked (sk-…abcd).
Logs go to stderr (level warn unless LOG_LEVEL is set).
Exit status: 0 done, 1 failed (not found, not allowed now, store or config problem), 2 usage error.
`;

const help = { type: 'boolean', short: 'h' } as const;
const json = { type: 'boolean' } as const;
const OPTIONS = {
  'check-config': { help },
  list: { help, json, filter: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } },
  show: { help, json },
  resend: { help, json },
  decide: { help, json, reason: { type: 'string' } },
} as const;

/** Parses `argv` (without the node and script paths). Throws UsageError. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    return { name: 'help' };
  }
  if (command === 'check-config') {
    const { values } = parse(rest, OPTIONS['check-config'], 0, command);
    return values.help ? { name: 'help' } : { name: 'check-config' };
  }
  if (command === 'list') {
    const { values } = parse(rest, OPTIONS.list, 0, command);
    if (values.help) {
      return { name: 'help' };
    }
    return {
      name: 'list',
      filter: parseFilter(values.filter),
      limit: parseLimit(values.limit),
      cursor: values.cursor === undefined || values.cursor === '' ? null : values.cursor,
      json: values.json ?? false,
    };
  }
  if (command === 'show' || command === 'resend') {
    const { values, positionals } = parse(rest, OPTIONS[command], 1, command);
    if (values.help) {
      return { name: 'help' };
    }
    return { name: command, id: parseId(positionals[0]), json: values.json ?? false };
  }
  if (isAdminAction(command)) {
    const action = command;
    const { values, positionals } = parse(rest, OPTIONS.decide, 1, command);
    if (values.help) {
      return { name: 'help' };
    }
    return {
      name: 'decide',
      action,
      id: parseId(positionals[0]),
      reason: parseReason(action, values.reason),
      json: values.json ?? false,
    };
  }
  throw new UsageError(`unknown command ${JSON.stringify(command)}`);
}

type Options = (typeof OPTIONS)[keyof typeof OPTIONS];

function parse<T extends Options>(args: string[], options: T, positionals: number, command: string) {
  const parsed = asUsageError(command, () =>
    parseArgs({ args, options, allowPositionals: true, strict: true }),
  );
  const helpAsked = (parsed.values as { help?: boolean }).help === true;
  if (!helpAsked && parsed.positionals.length !== positionals) {
    throw new UsageError(
      positionals === 0
        ? `${command} takes no arguments, got ${JSON.stringify(parsed.positionals[0])}`
        : parsed.positionals.length === 0
          ? `${command} needs a request id`
          : `${command} takes one request id, got ${parsed.positionals.length} arguments`,
    );
  }
  return parsed;
}

/** node:util reports unknown options and missing values as TypeErrors with readable messages. */
function asUsageError<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(`${command}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseFilter(raw: string | undefined): AdminFilter {
  if (raw === undefined) {
    return 'all';
  }
  const filter = ADMIN_FILTERS.find((name) => name === raw);
  if (!filter) {
    throw new UsageError(`--filter must be one of ${ADMIN_FILTERS.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return filter;
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) {
    return PAGE_SIZE.default;
  }
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > MAX_LIMIT) {
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(raw)}`);
  }
  return limit;
}

function parseId(raw: string | undefined): string {
  const id = raw?.trim() ?? '';
  if (!REQUEST_ID.test(id)) {
    throw new UsageError(`a request id is ${REQUEST_ID_RULE}, got ${JSON.stringify(raw?.slice(0, 80))}`);
  }
  return id;
}

/** admin.decide() applies the reason rule again; checking here turns a missing or long
 * reason into a usage error (exit 2) before the store is opened. */
function parseReason(action: AdminAction, raw: string | undefined): string | null {
  const checked = checkReason(action, raw);
  if (checked.ok) {
    return checked.value;
  }
  if (checked.error.kind === 'too-long') {
    throw new UsageError(`--reason is at most ${MAX_REASON_LENGTH} characters, got ${checked.error.length}`);
  }
  throw new UsageError(`${action} needs --reason TEXT (it is mailed to the requester)`);
}
