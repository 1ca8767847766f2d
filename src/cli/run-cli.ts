import { existsSync } from 'node:fs';
import { type AdminService, createAdminService } from '../admin/admin-service.js';
import type { AppConfig } from '../config/app-config.js';
import { ConfigError } from '../config/config-error.js';
import { withDotEnv } from '../config/dot-env.js';
import { configFilePath, loadConfig } from '../config/load-config.js';
import { AppError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { createStore } from '../store/create-store.js';
import type { RequestStore } from '../store/request-store.js';
import { type CliCommand, parseCliArgs, USAGE, UsageError } from './cli-args.js';
import { checkConfig, decideRequest, listRequests, resendNotification, showRequest } from './cli-commands.js';

/** Where output goes: process.stdout / process.stderr, or a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
}

export interface CliDeps {
  /** The arguments after the script path. */
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Results only, so `--json` output can be piped. */
  stdout: TextSink;
  /** Messages, usage on a usage error, and logs. */
  stderr: TextSink;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const NAME = 'llm-key-requestor';

/** Runs one CLI command to completion and returns the exit status; never throws, never exits. */
export async function runCli(deps: CliDeps): Promise<number> {
  const { stdout, stderr } = deps;
  let command: CliCommand;
  try {
    command = parseCliArgs(deps.argv);
  } catch (error) {
    if (error instanceof UsageError) {
      stderr.write(`${NAME}: ${error.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    throw error;
  }
  if (command.name === 'help') {
    stdout.write(USAGE);
    return EXIT.ok;
  }

  let config: AppConfig;
  let env: NodeJS.ProcessEnv;
  try {
    // The server's environment: a `.env` in the working directory under the process's own.
    env = withDotEnv(deps.env, deps.cwd);
    config = loadConfig({ env, cwd: deps.cwd });
  } catch (error) {
    return fail(stderr, error);
  }
  // Logs share stderr with messages and stay quiet unless asked: LOG_LEVEL, else warn. The
  // redaction is the server's.
  const logger = createLogger(env.LOG_LEVEL?.trim() ? config.logLevel : 'warn', {
    write: (line: string) => stderr.write(line),
  });

  if (command.name === 'check-config') {
    try {
      const configPath = configFilePath(env, deps.cwd);
      stdout.write(checkConfig({ config, configPath, logger: logger.child({ component: 'approval' }) }));
      return EXIT.ok;
    } catch (error) {
      return fail(stderr, error);
    }
  }

  // An operator who mistypes SQLITE_PATH should hear so, not get an empty list from a new file.
  if (config.store.kind === 'sqlite' && !existsSync(config.store.sqlitePath)) {
    stderr.write(
      `${NAME}: no request store at ${config.store.sqlitePath} (SQLITE_PATH); ` +
        'start the server once to create it, or point SQLITE_PATH at its file\n',
    );
    return EXIT.failed;
  }
  let store: RequestStore;
  try {
    store = await createStore(config, logger);
  } catch (error) {
    stderr.write(`${NAME}: cannot open the request store: ${messageOf(error)}\n`);
    return EXIT.failed;
  }
  try {
    // No worker in this process: a decision only changes the state, and the server's worker,
    // which polls the same store, mints, mails or deletes on its next pass.
    const admin = createAdminService({ store, wakeWorker: () => {}, lifecycle: config.lifecycle });
    stdout.write(await runStoreCommand(command, admin, config, env));
    if (command.name === 'decide' || command.name === 'resend') {
      const action = command.name === 'decide' ? command.action : 'resend';
      logger.info({ request_id: command.id, action }, 'admin decision from the CLI');
    }
    return EXIT.ok;
  } catch (error) {
    logger.debug({ err: error }, 'command failed');
    return fail(stderr, error);
  } finally {
    await store.close().catch(() => {});
  }
}

function runStoreCommand(
  command: Exclude<CliCommand, { name: 'help' | 'check-config' }>,
  admin: AdminService,
  config: AppConfig,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const operator = env.USER?.trim() || env.LOGNAME?.trim() || env.USERNAME?.trim() || 'an operator';
  const queueIntervalMs = config.approval.queueIntervalMs;
  switch (command.name) {
    case 'list':
      return listRequests(admin, command);
    case 'show':
      return showRequest(admin, command);
    case 'resend':
      return resendNotification(admin, { ...command, operator, queueIntervalMs });
    case 'decide':
      return decideRequest(admin, { ...command, operator, queueIntervalMs });
  }
}

/** One line on stderr; exit 1. Store failures name their cause (never a secret: the store's
 * errors are built from status codes and API messages, not Secret contents). */
function fail(stderr: TextSink, error: unknown): number {
  if (error instanceof ConfigError) {
    stderr.write(`${NAME}: invalid configuration: ${error.message}\n`);
  } else if (error instanceof AppError && error.code === 'store-unavailable') {
    stderr.write(`${NAME}: the request store is unavailable: ${messageOf(error.cause ?? error)}\n`);
  } else if (error instanceof AppError) {
    stderr.write(`${NAME}: ${error.message}\n`);
  } else {
    stderr.write(`${NAME}: unexpected error: ${messageOf(error)}\n`);
  }
  return EXIT.failed;
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
