import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: by default the child runs `src/main.ts` from here. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(REPO_ROOT, 'src', 'main.ts');
/** tsx's loader by absolute URL, so a child started in another directory finds it too. */
const TSX = import.meta.resolve('tsx');

export type ReplicaExit = { code: number | null; signal: NodeJS.Signals | null };

/** One line of a replica's output: pino JSON when it parses, else the raw text. */
export interface ReplicaLogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  json: Record<string, unknown> | null;
}

export interface ReplicaProcess {
  name: string;
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  pid: number;
  /** Every line written so far, in order. */
  readonly logs: readonly ReplicaLogLine[];
  /** Settles once the process is gone (never rejects). */
  exited: Promise<ReplicaExit>;
  /** Null while running. */
  readonly exit: ReplicaExit | null;
  /** Sends a signal; no-op once exited. */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM and wait for the exit (SIGKILL after `timeoutMs`); resolves with the exit. */
  stop(timeoutMs?: number): Promise<ReplicaExit>;
  /** Parsed JSON log entries whose `msg` contains `text`. */
  logged(text: string): Record<string, unknown>[];
  /** The last `lines` lines, for failure messages. */
  tail(lines?: number): string;
}

export interface StartReplicaOptions {
  /** Shown in failure messages. */
  name: string;
  /** config.yaml contents; written to a temp file passed as CONFIG_FILE. */
  configYaml: string;
  /** Environment of the service (STATE_STORE, KUBECONFIG, LITELLM_BASE_URL, ...). PORT, HOST,
   * CONFIG_FILE are set here; nothing else is inherited except PATH. */
  env: Record<string, string>;
  /** Deadline for GET /ready to answer 200. Default 90 s (tsx compiles every module on start, which takes long on a loaded 2-core machine). */
  readyTimeoutMs?: number;
  /** The working directory (where a `.env` would be read). Default: the repository root. */
  cwd?: string;
  /** An executable that starts the service instead of `src/main.ts` under tsx: the production
   * launch `bin/server.sh`, which runs the build in dist/. */
  launcher?: string;
}

export interface ReplicaSet {
  start(options: StartReplicaOptions): Promise<ReplicaProcess>;
  readonly all: readonly ReplicaProcess[];
  /** SIGKILLs anything still running and removes the temp files: for afterEach/afterAll. */
  cleanup(): Promise<void>;
  /** Every replica's log tail, for a failing test's message. */
  describe(lines?: number): string;
}

/** Asks the kernel for a free port on 127.0.0.1. Another process could take it before the
 * child binds it; `start` retries on EADDRINUSE for that reason. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts the real service (`node --import tsx src/main.ts`) as child processes, each a
 * "replica" with its own port and config file, and kills whatever is left on cleanup. */
export function createReplicaSet(): ReplicaSet {
  const replicas: ReplicaProcess[] = [];
  const children = new Set<ChildProcess>();
  const dirs: string[] = [];
  // A vitest worker that exits without running hooks must not leave servers behind.
  const onExit = () => {
    for (const child of children) {
      child.kill('SIGKILL');
    }
  };
  process.once('exit', onExit);

  async function startOnce(options: StartReplicaOptions, dir: string): Promise<ReplicaProcess> {
    const port = await freePort();
    const configFile = join(dir, 'config.yaml');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      ...options.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      CONFIG_FILE: configFile,
    };
    const [command, args] =
      options.launcher === undefined ? [process.execPath, ['--import', TSX, MAIN]] : [options.launcher, []];
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    const logs: ReplicaLogLine[] = [];
    collectLines(child, logs);

    let exit: ReplicaExit | null = null;
    const exited = new Promise<ReplicaExit>((resolve) => {
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        children.delete(child);
        resolve(exit);
      });
      child.once('error', (error) => {
        logs.push({ stream: 'stderr', text: `spawn failed: ${error.message}`, json: null });
        exit = { code: null, signal: null };
        children.delete(child);
        resolve(exit);
      });
    });

    const url = `http://127.0.0.1:${port}`;
    const tail = (lines = 40) =>
      logs
        .slice(-lines)
        .map((line) => `  [${options.name} ${line.stream}] ${line.text}`)
        .join('\n');
    const replica: ReplicaProcess = {
      name: options.name,
      url,
      port,
      pid: child.pid ?? -1,
      logs,
      exited,
      get exit() {
        return exit;
      },
      kill(signal) {
        if (exit === null) {
          child.kill(signal);
        }
      },
      async stop(timeoutMs = 30_000) {
        if (exit !== null) {
          return exit;
        }
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      },
      logged(text) {
        return logs
          .map((line) => line.json)
          .filter((json): json is Record<string, unknown> => json !== null)
          .filter((json) => typeof json.msg === 'string' && json.msg.includes(text));
      },
      tail,
    };

    await waitReady(replica, options.readyTimeoutMs ?? 90_000);
    return replica;
  }

  async function waitReady(replica: ReplicaProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (replica.exit !== null) {
        throw new ReplicaStartError(
          `${replica.name} exited before it was ready (${JSON.stringify(replica.exit)})\n${replica.tail()}`,
          replica.logs.some((line) => line.text.includes('EADDRINUSE')),
        );
      }
      try {
        const response = await fetch(`${replica.url}/ready`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status === 200) {
          return;
        }
        last = `GET /ready answered ${response.status}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    replica.kill('SIGKILL');
    throw new ReplicaStartError(
      `${replica.name} not ready within ${timeoutMs} ms (${last})\n${replica.tail()}`,
      false,
    );
  }

  return {
    all: replicas,
    async start(options) {
      const dir = await mkdtemp(join(tmpdir(), 'lkr-replica-'));
      dirs.push(dir);
      await writeFile(join(dir, 'config.yaml'), options.configYaml);
      for (let attempt = 1; ; attempt++) {
        try {
          const replica = await startOnce(options, dir);
          replicas.push(replica);
          return replica;
        } catch (error) {
          // The port was free when asked for, but something else bound it first.
          if (!(error instanceof ReplicaStartError) || !error.portTaken || attempt >= 3) {
            throw error;
          }
        }
      }
    },
    async cleanup() {
      for (const replica of replicas) {
        replica.kill('SIGKILL');
      }
      await Promise.all(replicas.map((replica) => replica.exited));
      replicas.length = 0;
      process.off('exit', onExit);
      await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
    describe(lines = 30) {
      return replicas
        .map((replica) => `${replica.name} (pid ${replica.pid}):\n${replica.tail(lines)}`)
        .join('\n');
    },
  };
}

class ReplicaStartError extends Error {
  constructor(
    message: string,
    readonly portTaken: boolean,
  ) {
    super(message);
    this.name = 'ReplicaStartError';
  }
}

function collectLines(child: ChildProcess, logs: ReplicaLogLine[]): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const source = child[stream];
    if (source === null) {
      continue;
    }
    source.setEncoding('utf8');
    let pending = '';
    source.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const text of lines) {
        if (text.trim() !== '') {
          logs.push({ stream, text, json: parseJson(text) });
        }
      }
    });
    source.on('end', () => {
      if (pending.trim() !== '') {
        logs.push({ stream, text: pending, json: parseJson(pending) });
      }
    });
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) {
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
