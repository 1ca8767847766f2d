import { createService, type Service } from './composition-root.js';
import { ConfigError } from './config/config-error.js';
import { withDotEnv } from './config/dot-env.js';
import { loadConfig } from './config/load-config.js';
import { createLogger } from './shared/logger.js';

/** Entry point: config, service, listen, and a clean shutdown on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    // A `.env` in the working directory, under the process environment, as the original read it.
    config = loadConfig({ env: withDotEnv(process.env, process.cwd()), cwd: process.cwd() });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`llm-key-requestor: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const logger = createLogger(config.logLevel);

  let service: Service;
  try {
    service = await createService(config, logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.fatal({ key: error.path }, `invalid configuration: ${error.message}`);
      process.stderr.write(`llm-key-requestor: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight work');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 25 s; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    try {
      await service.close();
      logger.info('shut down cleanly');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await service.app.listen({ host: config.server.host, port: config.server.port });
  service.worker.start();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `llm-key-requestor: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
