import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  API_GROUP_LIST,
  apiVersions,
  CORE_V1_RESOURCES,
  emptyList,
  namespaceObject,
  secretTable,
  VERSION_INFO,
  wantsTable,
} from './fake-kubernetes-discovery.js';
import { applyPatch, isPatchType } from './fake-kubernetes-patch.js';
import { parseLabelSelector, SelectorError } from './fake-kubernetes-selector.js';
import { ApiStatusError, type StatusBody, statusErrors } from './fake-kubernetes-status.js';
import {
  createSecretStorage,
  type ListQuery,
  SECRET_FIELD_LABELS,
  type SecretObject,
  type SecretStorage,
} from './fake-kubernetes-storage.js';
import { serveWatch } from './fake-kubernetes-watch.js';

/** A failure the fake answers instead of serving matching requests (RBAC denial, outage, hang). */
export interface Fault {
  /** Only requests with this method (GET, PUT, ...); all when absent. */
  method?: string;
  /** Only requests whose path contains this text; all when absent. */
  pathIncludes?: string;
  /** Only requests with these query parameters (`{watch: 'true'}`: watches only); all when absent. */
  query?: Record<string, string>;
  /** Answer this status with a Status body (403 Forbidden, 500, 503, ...). */
  status?: number;
  /** Never answer: the client must time out. */
  hang?: boolean;
  /** How many requests to fail; unlimited when absent. */
  times?: number;
  /** The share (0–1) of matching requests that fail, drawn per request; all when absent. A
   * request the draw spares is served (or meets the next fault that matches it). */
  probability?: number;
  /** Carry the request out first, then answer the fault instead of its result: the API server
   * committed the write but the client never heard (an etcd timeout after the commit). */
  afterHandling?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  /** Set when an injected fault answered instead: its status or `hang`, and `after handling`
   * when the request was carried out first. */
  fault?: string;
}

export interface FakeKubernetesOptions {
  /** When set, requests must carry `Authorization: Bearer <token>` (else 401). */
  token?: string;
  /** How often a watch that allows bookmarks gets one; default 1 s. */
  bookmarkIntervalMs?: number;
}

export interface FakeKubernetes {
  /** Base URL (http://127.0.0.1:<port>) for a kubeconfig or KubeConfig cluster. */
  url: string;
  /** Direct access to the stored Secrets, for seeding and inspecting without HTTP. */
  storage: SecretStorage;
  /** Every request served, in order. */
  requests: RecordedRequest[];
  injectFault(fault: Fault): () => void;
  clearFaults(): void;
  /** Ends every open watch stream, as an API server restart does; returns how many. Clients
   * watch again from the last version they saw (after `storage.compact()`: 410 Gone). */
  endWatches(): number;
  close(): Promise<void>;
}

const MAX_BODY = 3 * 1024 * 1024;
const SECRETS = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/;
const NAMESPACE = /^\/api\/v1\/namespaces\/([^/]+)$/;
const EVENTS = /^\/api\/v1\/(?:namespaces\/[^/]+\/)?events$/;

/** Starts a Kubernetes API server fake on 127.0.0.1 with a random port: Secrets with the API
 * server's semantics (see fake-kubernetes-storage.ts), label/field selectors, paging, patch
 * types, watch, and the discovery kubectl needs. It is a plain HTTP server, so several
 * processes (replicas under test, kubectl) can share one instance. */
export async function startFakeKubernetes(options: FakeKubernetesOptions = {}): Promise<FakeKubernetes> {
  const storage = createSecretStorage();
  const requests: RecordedRequest[] = [];
  let faults: Fault[] = [];
  const watchers = new Map<ServerResponse, () => void>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      sendStatus(res, statusErrors.internal(error instanceof Error ? error.message : String(error)).status);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams);
    const recorded: RecordedRequest = {
      method,
      path: url.pathname,
      query,
      contentType: req.headers['content-type'],
    };
    requests.push(recorded);

    const fault = faults.find(
      (f) =>
        (f.method === undefined || f.method === method) &&
        (f.pathIncludes === undefined || url.pathname.includes(f.pathIncludes)) &&
        Object.entries(f.query ?? {}).every(([key, value]) => url.searchParams.get(key) === value) &&
        (f.probability === undefined || Math.random() < f.probability),
    );
    if (fault) {
      if (fault.times !== undefined && --fault.times <= 0) {
        faults = faults.filter((f) => f !== fault);
      }
      if (fault.afterHandling) {
        await performUnanswered(req, url, method);
      }
      const after = fault.afterHandling ? ' after handling' : '';
      if (fault.hang) {
        recorded.fault = `hang${after}`;
        return;
      }
      const code = fault.status ?? 500;
      recorded.fault = `${code}${after}`;
      const name = url.pathname.split('/').at(-1) ?? '';
      const error =
        code === 403
          ? statusErrors.forbidden(
              `secrets is forbidden: User "system:serviceaccount:test:fake" cannot ${method.toLowerCase()} resource "secrets" in API group "" at ${url.pathname}`,
            )
          : code === 409
            ? statusErrors.conflict('secrets', name)
            : code === 401
              ? statusErrors.unauthorized()
              : statusErrors.internal(`injected fault ${code}`);
      sendStatus(res, { ...error.status, code });
      return;
    }
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      sendStatus(res, statusErrors.unauthorized().status);
      return;
    }

    try {
      await route(req, res, url, method);
    } catch (error) {
      if (error instanceof ApiStatusError) {
        sendStatus(res, error.status);
      } else if (error instanceof SelectorError) {
        sendStatus(res, statusErrors.badRequest(error.message).status);
      } else {
        throw error;
      }
    }
  }

  /** Serves a request into a response that goes nowhere; its outcome (an error too) is dropped. */
  async function performUnanswered(req: IncomingMessage, url: URL, method: string): Promise<void> {
    const nowhere = {
      headersSent: false,
      writeHead: () => nowhere,
      end: () => nowhere,
    } as unknown as ServerResponse;
    await route(req, nowhere, url, method).catch(() => undefined);
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const params = url.searchParams;
    if (params.get('dryRun')) {
      throw statusErrors.badRequest('dryRun is not supported by the fake API server');
    }
    if (method === 'GET') {
      const fixed = discovery(path, req);
      if (fixed !== undefined) {
        sendJson(res, 200, fixed);
        return;
      }
    }
    if (path === '/api/v1/secrets' && method === 'GET') {
      serveList(req, res, null, params);
      return;
    }
    const namespaced = SECRETS.exec(path);
    if (namespaced) {
      const namespace = decodeURIComponent(namespaced[1] ?? '');
      const name = namespaced[2] === undefined ? undefined : decodeURIComponent(namespaced[2]);
      await serveSecrets(req, res, method, namespace, name, params);
      return;
    }
    const ns = NAMESPACE.exec(path);
    if (ns && method === 'GET') {
      sendJson(res, 200, namespaceObject(decodeURIComponent(ns[1] ?? '')));
      return;
    }
    if (EVENTS.test(path) && method === 'GET') {
      sendJson(res, 200, emptyList('EventList', String(storage.currentRevision())));
      return;
    }
    sendStatus(res, {
      ...statusErrors.notFound('', '').status,
      message: 'the server could not find the requested resource',
      details: {},
    });
  }

  function discovery(path: string, req: IncomingMessage): unknown {
    switch (path) {
      case '/version':
        return VERSION_INFO;
      case '/api':
        return apiVersions(req.headers.host ?? '127.0.0.1');
      case '/apis':
        return API_GROUP_LIST;
      case '/api/v1':
        return CORE_V1_RESOURCES;
      case '/api/v1/namespaces':
        return { kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [namespaceObject('default')] };
      default:
        return undefined;
    }
  }

  async function serveSecrets(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    namespace: string,
    name: string | undefined,
    params: URLSearchParams,
  ): Promise<void> {
    if (name === undefined) {
      if (method === 'GET') {
        serveList(req, res, namespace, params);
      } else if (method === 'POST') {
        sendJson(res, 201, storage.create(namespace, await readJson(req)));
      } else {
        throw statusErrors.methodNotAllowed(`${method} is not supported on the secrets collection`);
      }
      return;
    }
    switch (method) {
      case 'GET':
        sendJson(res, 200, storage.get(namespace, name));
        return;
      case 'PUT':
        sendJson(res, 200, storage.replace(namespace, name, await readJson(req)));
        return;
      case 'PATCH': {
        const contentType = req.headers['content-type'] ?? '';
        if (!isPatchType(contentType)) {
          throw statusErrors.unsupportedMediaType(contentType);
        }
        const patch = await readJson(req);
        const current = storage.get(namespace, name);
        const patched = applyPatch(contentType, current, patch);
        sendJson(res, 200, storage.replace(namespace, name, patched));
        return;
      }
      case 'DELETE': {
        const body = await readJson(req, true);
        const preconditions = isRecord(body) && isRecord(body.preconditions) ? body.preconditions : {};
        const removed = storage.remove(namespace, name, {
          ...(typeof preconditions.resourceVersion === 'string'
            ? { resourceVersion: preconditions.resourceVersion }
            : {}),
          ...(typeof preconditions.uid === 'string' ? { uid: preconditions.uid } : {}),
        });
        sendJson(res, 200, removed);
        return;
      }
      default:
        throw statusErrors.methodNotAllowed(`${method} is not supported on a secret`);
    }
  }

  function listQuery(namespace: string | null, params: URLSearchParams): ListQuery {
    const limitText = params.get('limit');
    const limit = limitText === null || limitText === '' ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
      throw statusErrors.badRequest(`invalid limit ${JSON.stringify(limitText)}`);
    }
    return {
      namespace,
      labels: parseLabelSelector(params.get('labelSelector') ?? ''),
      fields: parseFieldSelector(params.get('fieldSelector') ?? ''),
      // limit=0 means "no limit", as on the API server.
      limit: limit === 0 ? undefined : limit,
      continueToken: params.get('continue') || undefined,
    };
  }

  function serveList(
    req: IncomingMessage,
    res: ServerResponse,
    namespace: string | null,
    params: URLSearchParams,
  ) {
    const query = listQuery(namespace, params);
    const watch = params.get('watch');
    if (watch === 'true' || watch === '1') {
      serveWatch(
        { storage, watchers, bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1_000 },
        req,
        res,
        query,
        params,
      );
      return;
    }
    const result = storage.list(query);
    if (wantsTable(req.headers.accept)) {
      sendJson(
        res,
        200,
        secretTable(result.items, result, params.get('includeObject')),
        'application/json;as=Table;v=v1;g=meta.k8s.io',
      );
      return;
    }
    sendJson(res, 200, {
      kind: 'SecretList',
      apiVersion: 'v1',
      metadata: {
        resourceVersion: result.resourceVersion,
        ...(result.continueToken === undefined ? {} : { continue: result.continueToken }),
      },
      items: result.items.map(({ apiVersion: _a, kind: _k, ...item }) => item),
    });
  }

  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    storage,
    requests,
    injectFault(fault) {
      const copy = { ...fault };
      faults.push(copy);
      return () => {
        faults = faults.filter((f) => f !== copy);
      };
    },
    clearFaults() {
      faults = [];
    },
    endWatches() {
      const stops = [...watchers.values()];
      for (const stop of stops) {
        stop();
      }
      return stops.length;
    },
    close() {
      for (const stop of [...watchers.values()]) {
        stop();
      }
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseFieldSelector(input: string): ListQuery['fields'] {
  if (input.trim() === '') {
    return [];
  }
  return input.split(',').map((part) => {
    const match = /^\s*([A-Za-z.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!match) {
      throw statusErrors.badRequest(`invalid field selector: ${JSON.stringify(part)}`);
    }
    const [, key = '', op, value = ''] = match;
    if (!(SECRET_FIELD_LABELS as readonly string[]).includes(key)) {
      throw statusErrors.badRequest(`field label not supported: ${key}`);
    }
    return { key, equal: op !== '!=', value };
  });
}

async function readJson(req: IncomingMessage, optional = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) {
      throw statusErrors.badRequest('request entity too large');
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    if (optional) {
      return undefined;
    }
    throw statusErrors.badRequest('the request body is empty');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw statusErrors.badRequest('the request body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendStatus(res: ServerResponse, status: StatusBody): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status.code, status);
}

export type { SecretObject };
