import type { V1Secret } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesApiError } from './api-errors.js';
import { createSecretWatch, type SecretWatch } from './secret-watch.js';
import type { SecretPage } from './secrets-api.js';
import type { WatchHandlers } from './watch-stream.js';

const secret = (name: string, resourceVersion: string): V1Secret => ({ metadata: { name, resourceVersion } });

/** One watch call the loop made, settled by the test. */
interface Session {
  version: string;
  handlers: WatchHandlers;
  signal: AbortSignal;
  end(): void;
  fail(error: KubernetesApiError): void;
}

/** An API whose list answers from `pages` and whose watches the test drives by hand. */
function scriptedApi() {
  const sessions: Session[] = [];
  const lists: { continueToken: string | undefined }[] = [];
  let pages: SecretPage[] = [{ items: [], continueToken: null, resourceVersion: '1' }];
  let listFailure: KubernetesApiError | null = null;
  const waiters: (() => void)[] = [];
  const changed = () => {
    for (const wake of waiters.splice(0)) {
      wake();
    }
  };
  return {
    sessions,
    lists,
    setPages(next: SecretPage[]) {
      pages = next;
    },
    failLists(error: KubernetesApiError | null) {
      listFailure = error;
    },
    /** Resolves once the loop has made its `count`th watch call. */
    async session(count: number): Promise<Session> {
      while (sessions.length < count) {
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return sessions[count - 1] as Session;
    },
    api: {
      async listPage(_selector: string, _limit: number, continueToken?: string): Promise<SecretPage> {
        lists.push({ continueToken });
        changed();
        if (listFailure) {
          throw listFailure;
        }
        const index = continueToken === undefined ? 0 : Number(continueToken);
        return pages[index] as SecretPage;
      },
      watch(_selector: string, version: string, handlers: WatchHandlers, signal: AbortSignal) {
        return new Promise<void>((resolve, reject) => {
          sessions.push({ version, handlers, signal, end: resolve, fail: reject });
          signal.addEventListener('abort', () => resolve());
          changed();
        });
      },
    },
  };
}

const expired = () =>
  new KubernetesApiError('expired', 'watch secrets: resource version expired (410 Gone)', 410);
const down = () =>
  new KubernetesApiError('unreachable', 'watch secrets: cannot reach the API server ECONNREFUSED');

let watch: SecretWatch | undefined;
afterEach(() => {
  watch?.stop();
  watch = undefined;
});

function start(script: ReturnType<typeof scriptedApi>) {
  const listed: { names: string[]; version: string }[] = [];
  const events: string[] = [];
  const waits: number[] = [];
  const logs: { level: string; message: string }[] = [];
  watch = createSecretWatch({
    api: script.api,
    selector: 'app=x',
    pageSize: 2,
    logger: {
      info: (_fields: object, message: string) => logs.push({ level: 'info', message }),
      warn: (_fields: object, message: string) => logs.push({ level: 'warn', message }),
    },
    onList: (secrets, version) => listed.push({ names: secrets.map((s) => s.metadata?.name ?? ''), version }),
    onEvent: (event) =>
      events.push(`${event.type} ${event.secret.metadata?.name}@${event.secret.metadata?.resourceVersion}`),
    backoff: (attempt) => {
      waits.push(attempt);
      return 1;
    },
  });
  return { watch, listed, events, waits, logs };
}

describe('secret watch', () => {
  it('lists every page once, then watches from the first page’s version', async () => {
    const script = scriptedApi();
    script.setPages([
      { items: [secret('a', '5'), secret('b', '6')], continueToken: '1', resourceVersion: '7' },
      { items: [secret('c', '8')], continueToken: null, resourceVersion: '9' },
    ]);
    const { watch, listed } = start(script);
    await watch.synced();
    expect(listed).toEqual([{ names: ['a', 'b', 'c'], version: '7' }]);
    expect(script.lists.map((l) => l.continueToken)).toEqual([undefined, '1']);
    expect((await script.session(1)).version).toBe('7');
    await expect(watch.synced()).resolves.toBeUndefined();
  });

  it('hands events on, and resumes from the last version seen, bookmarks included', async () => {
    const script = scriptedApi();
    const { watch, events } = start(script);
    await watch.synced();
    const first = await script.session(1);
    first.handlers.onEvent({ type: 'ADDED', secret: secret('a', '3') });
    first.handlers.onEvent({ type: 'DELETED', secret: secret('a', '4') });
    first.handlers.onEvent({ type: 'BOOKMARK', resourceVersion: '10' });
    first.end();
    expect((await script.session(2)).version).toBe('10');
    expect(events).toEqual(['ADDED a@3', 'DELETED a@4']);
    // A normal end (the server's timeout) costs no list.
    expect(script.lists).toHaveLength(1);
  });

  it('lists again on 410 Gone, at once the first time and after a wait when it repeats', async () => {
    const script = scriptedApi();
    const { watch, listed, waits, logs } = start(script);
    await watch.synced();
    script.setPages([{ items: [secret('b', '20')], continueToken: null, resourceVersion: '21' }]);
    (await script.session(1)).fail(expired());
    const second = await script.session(2);
    expect(second.version).toBe('21');
    expect(listed.at(-1)).toEqual({ names: ['b'], version: '21' });
    expect(waits).toEqual([]);
    second.fail(expired());
    await script.session(3);
    expect(waits).toEqual([1]);
    expect(logs.filter((l) => l.message === 'Listing key request Secrets again')).toHaveLength(2);
    // Not a failure: the watch stays healthy.
    expect(watch.problem()).toBeNull();
  });

  it('retries a failing watch with growing waits from the last version, and reports it once', async () => {
    const script = scriptedApi();
    const { watch, waits, logs } = start(script);
    await watch.synced();
    (await script.session(1)).handlers.onEvent({ type: 'MODIFIED', secret: secret('a', '5') });
    script.sessions[0]?.fail(down());
    (await script.session(2)).fail(down());
    (await script.session(3)).fail(down());
    const fourth = await script.session(4);
    expect(waits).toEqual([1, 2, 3]);
    expect(fourth.version).toBe('5');
    expect(watch.problem()?.failure).toBe('unreachable');
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(1);
    fourth.handlers.onOpen();
    expect(watch.problem()).toBeNull();
    expect(logs.at(-1)).toEqual({ level: 'info', message: 'Watching key request Secrets again' });
    // Hearing from the server starts the backoff over.
    fourth.fail(down());
    await script.session(5);
    expect(waits).toEqual([1, 2, 3, 1]);
    expect(script.lists).toHaveLength(1);
  });

  it('is not synced while the first list fails, and is once a later try succeeds', async () => {
    const script = scriptedApi();
    script.failLists(down());
    const { watch } = start(script);
    await expect(watch.synced()).rejects.toMatchObject({ failure: 'unreachable' });
    // Between tries it answers at once with the last failure.
    await expect(watch.synced()).rejects.toThrow('ECONNREFUSED');
    script.failLists(null);
    await script.session(1);
    await expect(watch.synced()).resolves.toBeUndefined();
    expect(script.lists.length).toBeGreaterThan(1);
  });

  it('stops: the open watch is aborted and no other starts', async () => {
    const script = scriptedApi();
    const { watch } = start(script);
    await watch.synced();
    const first = await script.session(1);
    watch.stop();
    expect(first.signal.aborted).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(script.sessions).toHaveLength(1);
  });
});
