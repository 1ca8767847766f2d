import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { waitUntil } from '../test/support/wait.js';

/** A process the bench started (the product, the bare reference, the Kubernetes fake). Its
 * stdout and stderr are pipes the bench reads and discards as they come, as a container
 * runtime would: the product's pino pays for every line it writes to a pipe (JSON
 * serialisation and a write(2)), and nothing blocks on a full pipe. Only counts, the first
 * lines and the last lines are kept, for the results and for error messages. */
export interface BenchProcess {
  name: string;
  pid: number;
  readonly exited: boolean;
  readonly logLines: number;
  readonly logBytes: number;
  /** The last lines written, for a failure message. */
  tail(): string;
  /** The first stdout/stderr line (of the first 100) matching `pattern`. */
  lineMatching(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** VmRSS from /proc/<pid>/status, in KiB. */
  residentKib(): Promise<number>;
  /** CPU time used so far (user + system, /proc/<pid>/stat), in seconds. */
  cpuSeconds(): Promise<number>;
  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface ProcessGroup {
  /** `node <args>` (or `command <args>`: an executable that execs node, such as the product's
   * launcher) with only PATH inherited besides `env`. */
  start(
    name: string,
    args: readonly string[],
    env: Record<string, string>,
    cwd: string,
    command?: string,
  ): BenchProcess;
  /** SIGKILLs whatever is still running. */
  killAll(): void;
}

const TAIL_LINES = 30;
/** USER_HZ of /proc/<pid>/stat: 100 on every Linux build the bench runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;
const HEAD_LINES = 100;

export function createProcessGroup(): ProcessGroup {
  const running = new Set<ChildProcess>();
  return {
    start: (name, args, env, cwd, command = process.execPath) =>
      startNodeProcess(running, name, command, args, env, cwd),
    killAll() {
      for (const child of running) {
        child.kill('SIGKILL');
      }
    },
  };
}

function startNodeProcess(
  running: Set<ChildProcess>,
  name: string,
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): BenchProcess {
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    });
  });

  let logLines = 0;
  let logBytes = 0;
  const head: string[] = [];
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      logBytes += Buffer.byteLength(chunk);
      pending += chunk;
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      logLines += complete.length;
      if (head.length < HEAD_LINES) {
        head.push(...complete.slice(0, HEAD_LINES - head.length));
      }
      tail.push(...complete.slice(-TAIL_LINES));
      tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
    });
  }

  return {
    name,
    pid: child.pid ?? -1,
    get exited() {
      return exited;
    },
    get logLines() {
      return logLines;
    },
    get logBytes() {
      return logBytes;
    },
    tail: () => tail.map((line) => `  [${name}] ${line}`).join('\n'),
    async lineMatching(pattern, timeoutMs) {
      const found = await waitUntil(() => (exited ? { line: null } : lineIn(head, pattern)), {
        timeoutMs,
        what: `${name} to print ${pattern}`,
      });
      if (found.line === null) {
        throw new Error(`${name} exited before it printed ${pattern}\n${tail.join('\n')}`);
      }
      return found.line;
    },
    async residentKib() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
      if (!match?.[1]) {
        throw new Error(`no VmRSS in /proc/${child.pid}/status`);
      }
      return Number(match[1]);
    },
    async cpuSeconds() {
      const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may contain spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    },
    async stop(timeoutMs = 30_000) {
      if (exited) {
        return;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Waits until GET `url` answers 200; gives up at once if the process died. */
export async function waitForHttp(target: BenchProcess, url: string, timeoutMs = 60_000): Promise<void> {
  let outcome: 'ready' | 'exited';
  try {
    outcome = await waitUntil(
      async () => {
        if (target.exited) {
          return 'exited';
        }
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        return response.status === 200 ? 'ready' : null;
      },
      { timeoutMs, intervalMs: 100, what: `${target.name} to answer GET ${url}` },
    );
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${target.tail()}`);
  }
  if (outcome === 'exited') {
    throw new Error(`${target.name} exited before it answered GET ${url}\n${target.tail()}`);
  }
}

function lineIn(lines: readonly string[], pattern: RegExp): { line: string } | null {
  const line = lines.find((candidate) => pattern.test(candidate));
  return line === undefined ? null : { line };
}

/** Runs `work` and says how much CPU `target` used meanwhile. */
export async function withCpu<T>(target: BenchProcess, work: () => Promise<T>): Promise<[T, number]> {
  const before = await target.cpuSeconds();
  const result = await work();
  return [result, (await target.cpuSeconds()) - before];
}

/** What a process wrote to its stdout and stderr so far. */
export interface LogOutput {
  lines: number;
  bytes: number;
}

export function logOutput(target: BenchProcess): LogOutput {
  return { lines: target.logLines, bytes: target.logBytes };
}
