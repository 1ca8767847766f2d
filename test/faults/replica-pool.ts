import { createReplicaSet, type ReplicaProcess } from '../support/replica-process.js';
import { waitUntil } from '../support/wait.js';

/** A SIGKILL the pool dealt: which worker died, and when (ms since the epoch). */
export interface Kill {
  name: string;
  /** The dead process's worker id, as it wrote it into leases. */
  owner: string;
  at: number;
}

export interface ReplicaPoolOptions {
  names: string[];
  configYaml: string;
  env: Record<string, string>;
}

/** Replicas that are killed and come back: one slot per name, each holding the running
 * process or none while its successor starts. `killOne` SIGKILLs a random running replica and
 * starts its successor at once (a new process on a new port, as a restarted pod gets). */
export interface ReplicaPool {
  /** Replicas serving right now (started and not killed). */
  live(): ReplicaProcess[];
  /** SIGKILLs a random running replica and starts its successor (without waiting for it to be
   * up); the kill, or null when none is running. */
  killOne(): Kill | null;
  readonly kills: readonly Kill[];
  /** Worker id of every process started so far, by process name (e.g. `replica-b#3`). */
  readonly owners: ReadonlyMap<string, string>;
  /** Waits for the restarts in flight. */
  settled(): Promise<void>;
  /** Failed restarts (a replica that did not come up), for the failure message. */
  readonly startFailures: readonly string[];
  /** Every process's log tail. */
  describe(lines?: number): string;
  /** SIGTERMs the running replicas; their exits, by name. */
  stop(): Promise<{ name: string; code: number | null; signal: string | null }[]>;
  /** SIGKILLs whatever is left and removes temp files. */
  cleanup(): Promise<void>;
}

export async function startReplicaPool(options: ReplicaPoolOptions): Promise<ReplicaPool> {
  const set = createReplicaSet();
  const slots = new Map<string, ReplicaProcess | null>();
  const generation = new Map<string, number>();
  const owners = new Map<string, string>();
  const kills: Kill[] = [];
  const restarts = new Set<Promise<void>>();
  const startFailures: string[] = [];

  /** Starts the next process of a slot and records its worker id (logged at start-up). */
  async function start(slot: string): Promise<void> {
    const count = (generation.get(slot) ?? 0) + 1;
    generation.set(slot, count);
    const name = `${slot}#${count}`;
    const replica = await set.start({
      name,
      configYaml: options.configYaml,
      env: options.env,
    });
    const started = await waitUntil(() => replica.logged('approval worker started')[0], {
      timeoutMs: 30_000,
      what: `${name} to start its worker`,
    });
    owners.set(name, String(started.owner));
    slots.set(slot, replica);
  }

  await Promise.all(options.names.map(start));

  return {
    live: () => [...slots.values()].filter((r): r is ReplicaProcess => r !== null && r.exit === null),
    killOne() {
      const running = [...slots.entries()].filter(([, r]) => r !== null && r.exit === null);
      const picked = running[Math.floor(Math.random() * running.length)];
      if (picked === undefined) {
        return null;
      }
      const [slot, victim] = picked;
      if (victim === null) {
        return null;
      }
      // Same tick as the kill: nothing the victim writes can land after `at`.
      const kill = { name: victim.name, owner: owners.get(victim.name) ?? '', at: Date.now() };
      victim.kill('SIGKILL');
      kills.push(kill);
      slots.set(slot, null);
      const restart: Promise<void> = victim.exited
        .then(() => start(slot))
        .catch((error: unknown) => {
          startFailures.push(`${slot}: ${String(error)}`);
        })
        .finally(() => restarts.delete(restart));
      restarts.add(restart);
      return kill;
    },
    kills,
    owners,
    async settled() {
      while (restarts.size > 0) {
        await Promise.all([...restarts]);
      }
    },
    startFailures,
    describe: (lines) => set.describe(lines),
    async stop() {
      const running = [...slots.values()].filter((r): r is ReplicaProcess => r !== null && r.exit === null);
      const exits = await Promise.all(running.map((replica) => replica.stop()));
      return running.map((replica, index) => ({
        name: replica.name,
        code: exits[index]?.code ?? null,
        signal: exits[index]?.signal ?? null,
      }));
    },
    cleanup: () => set.cleanup(),
  };
}
