#!/usr/bin/env node
import { runCli } from './run-cli.js';

/** Entry point of the `llm-key-requestor` operator CLI (see run-cli.ts and `help`). */
runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
    // Normally the process ends here by itself. An HTTP keep-alive socket of the Kubernetes
    // client may hold it open; this timer does not, and only fires in that case.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(
      `llm-key-requestor: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
