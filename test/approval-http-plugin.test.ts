import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalPlugin, ApprovalSubject } from '../src/approval/approval-types.js';
import { createApprovalChain, createPlugins } from '../src/approval/plugin-registry.js';
import type { PluginEntry } from '../src/config/config-schema.js';
import { type FakeApprovalServer, startFakeApprovalServer } from './support/fake-approval-server.js';
import { type LogEntry, recordingLogger } from './support/recording-logger.js';

const subject: ApprovalSubject = { requestId: 'req-42', email: 'user@company.com', model: 'gpt-4o' };
const TOKEN = 'Bearer sekrit-token-42';
const API_KEY = 'k-sekrit-99';

let server: FakeApprovalServer;
let log: ReturnType<typeof recordingLogger>;

beforeEach(async () => {
  server = await startFakeApprovalServer();
  log = recordingLogger();
});

afterEach(async () => {
  await server.close();
});

function httpPlugin(config: Record<string, unknown> = {}): ApprovalPlugin {
  const [plugin] = createPlugins(
    [{ name: 'http', config: { endpoint: `${server.url}/approve`, ...config } }],
    {
      logger: log.logger,
    },
  );
  if (!plugin) {
    throw new Error('no plugin built');
  }
  return plugin;
}

function warnings(): LogEntry[] {
  return log.entries.filter((entry) => entry.level === 'warn');
}

describe('http approval plugin: the request it sends', () => {
  it('POSTs the email, model and request id as JSON', async () => {
    await httpPlugin().evaluate(subject);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/approve');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.json).toEqual({ email: 'user@company.com', model: 'gpt-4o', request_id: 'req-42' });
  });

  it('sends the configured headers, e.g. an auth token', async () => {
    await httpPlugin({ headers: { Authorization: TOKEN, 'X-Api-Key': API_KEY } }).evaluate(subject);
    const headers = server.requests[0]?.headers;
    expect(headers?.authorization).toBe(TOKEN);
    expect(headers?.['x-api-key']).toBe(API_KEY);
    expect(headers?.['content-type']).toBe('application/json');
  });

  it('keeps the endpoint query string', async () => {
    const [plugin] = createPlugins(
      [{ name: 'http', config: { endpoint: `${server.url}/check?tenant=a&v=2` } }],
      log,
    );
    await plugin?.evaluate(subject);
    expect(server.requests[0]?.url).toBe('/check?tenant=a&v=2');
  });
});

describe('http approval plugin: answers it understands', () => {
  it.each([
    ['APPROVE', 'APPROVE'],
    ['approve', 'APPROVE'],
    ['Approve', 'APPROVE'],
    ['DENY', 'DENY'],
    [' deny\n', 'DENY'],
    ['CONTINUE', 'CONTINUE'],
    ['continue', 'CONTINUE'],
    ['PENDING', 'PENDING'],
    ['pending', 'PENDING'],
  ])('reads decision %j as %s', async (decision, expected) => {
    server.answer(decision);
    expect((await httpPlugin().evaluate(subject)).decision).toBe(expected);
    expect(warnings()).toEqual([]);
  });

  it('passes on the reason the service gives', async () => {
    server.answer('DENY', 'Budget for your team is exhausted');
    expect(await httpPlugin().evaluate(subject)).toEqual({
      decision: 'DENY',
      reason: 'Budget for your team is exhausted',
    });
  });

  it('reads PENDING with its reason, or a default one: ask again later', async () => {
    server.answer('PENDING', 'Waiting for the cost-centre owner');
    expect(await httpPlugin().evaluate(subject)).toEqual({
      decision: 'PENDING',
      reason: 'Waiting for the cost-centre owner',
    });
    server.answer('Pending');
    expect(await httpPlugin().evaluate(subject)).toEqual({
      decision: 'PENDING',
      reason: 'The approval service has not decided yet',
    });
  });

  it('gives a default reason when the service gives none, or not a string', async () => {
    server.setBehaviour({ body: { decision: 'approve', reason: 42 } });
    expect(await httpPlugin().evaluate(subject)).toEqual({
      decision: 'APPROVE',
      reason: 'Approved by the approval service',
    });
  });

  it('keeps a reason to one bounded line', async () => {
    server.answer('DENY', `first\r\nBcc: x@y.z\u0000 ${'x'.repeat(2000)}`);
    const { reason } = await httpPlugin().evaluate(subject);
    expect(reason?.startsWith('first Bcc: x@y.z x')).toBe(true);
    expect(['\r', '\n', '\u0000'].filter((char) => reason?.includes(char))).toEqual([]);
    expect(Array.from(reason ?? '')).toHaveLength(500);
  });

  it('waits for a slow answer within the timeout', async () => {
    server.setBehaviour({ body: { decision: 'DENY' }, delayMs: 300 });
    const started = performance.now();
    expect((await httpPlugin({ timeout: 10 }).evaluate(subject)).decision).toBe('DENY');
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });
});

describe('http approval plugin: failures continue', () => {
  it.each<[string, Parameters<FakeApprovalServer['setBehaviour']>[0], string]>([
    ['HTTP 500', { status: 500, body: { decision: 'APPROVE' } }, 'answered HTTP 500'],
    ['HTTP 404', { status: 404, body: 'Not Found' }, 'answered HTTP 404'],
    ['HTTP 204 with no body', { status: 204, body: '' }, 'answer is not JSON'],
    [
      'an HTML error page',
      { body: '<html><body>Bad Gateway</body></html>', contentType: 'text/html' },
      'not JSON',
    ],
    ['truncated JSON', { body: '{"decision": "APPR' }, 'not JSON'],
    ['a JSON array', { body: ['APPROVE'] }, 'not a JSON object'],
    ['JSON null', { body: 'null', contentType: 'application/json' }, 'not a JSON object'],
    ['no decision', { body: { approved: true } }, 'no "decision" string'],
    ['a boolean decision', { body: { decision: true } }, 'no "decision" string'],
    ['an unknown decision', { body: { decision: 'MAYBE' } }, 'unknown decision "MAYBE"'],
    [
      'REVIEW, which only the review plugin may return',
      { body: { decision: 'review' } },
      'reserved for the review plugin',
    ],
    ['an answer over 64 KiB', { body: { decision: 'APPROVE', pad: 'x'.repeat(70_000) } }, 'larger than'],
    [
      'a chunked answer over 64 KiB',
      { body: { decision: 'APPROVE', pad: 'x'.repeat(70_000) }, chunked: true },
      'larger than',
    ],
  ])('continues on %s and logs the cause', async (_label, behaviour, cause) => {
    server.setBehaviour(behaviour);
    const result = await httpPlugin().evaluate(subject);
    expect(result.decision).toBe('CONTINUE');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.fields).toMatchObject({ plugin: 'http', requestId: 'req-42' });
    expect(String(warnings()[0]?.fields.cause)).toContain(cause);
  });

  it('continues when the endpoint does not answer within the timeout', async () => {
    server.setBehaviour({ hang: true });
    const started = performance.now();
    const result = await httpPlugin({ timeout: '200ms' }).evaluate(subject);
    const elapsed = performance.now() - started;
    expect(result.decision).toBe('CONTINUE');
    expect(elapsed).toBeGreaterThanOrEqual(150);
    // Far below the 5 s default: the configured timeout was used.
    expect(elapsed).toBeLessThan(4000);
    expect(String(warnings()[0]?.fields.cause)).toContain('no answer within 200 ms');
  });

  it('gives up on an answer that would arrive after the timeout', async () => {
    server.setBehaviour({ body: { decision: 'APPROVE' }, delayMs: 10_000 });
    const started = performance.now();
    expect((await httpPlugin({ timeout: 0.2 }).evaluate(subject)).decision).toBe('CONTINUE');
    expect(performance.now() - started).toBeLessThan(4000);
  });

  it('continues when the connection is refused', async () => {
    const gone = await startFakeApprovalServer();
    const endpoint = `${gone.url}/approve`;
    await gone.close();
    const [plugin] = createPlugins([{ name: 'http', config: { endpoint } }], log);
    expect((await plugin?.evaluate(subject))?.decision).toBe('CONTINUE');
    expect(String(warnings()[0]?.fields.cause)).toContain('ECONNREFUSED');
  });

  it('does not follow a redirect (it would replay the auth header elsewhere)', async () => {
    server.setBehaviour((request) =>
      request.url === '/approve'
        ? { status: 302, headers: { location: `${server.url}/elsewhere` }, body: '' }
        : {},
    );
    const result = await httpPlugin({ headers: { Authorization: TOKEN } }).evaluate(subject);
    expect(result.decision).toBe('CONTINUE');
    expect(server.requests.map((request) => request.url)).toEqual(['/approve']);
  });

  it('never logs header values or the endpoint query string', async () => {
    const entries: PluginEntry[] = [
      {
        name: 'http',
        config: {
          endpoint: `${server.url}/approve?token=query-sekrit`,
          timeout: '200ms',
          headers: { Authorization: TOKEN, 'X-Api-Key': API_KEY },
        },
      },
    ];
    const [plugin] = createPlugins(entries, log);
    for (const behaviour of [{ status: 500 }, { body: 'garbage' }, { hang: true }, {}]) {
      server.setBehaviour(behaviour);
      await plugin?.evaluate(subject);
    }
    await server.close();
    await plugin?.evaluate(subject);
    server = await startFakeApprovalServer();

    expect(warnings()).toHaveLength(4);
    const text = JSON.stringify(log.entries);
    expect(text).toContain('/approve');
    for (const secret of ['sekrit-token-42', API_KEY, 'query-sekrit']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('http approval plugin in a chain', () => {
  it('hands the request to the next plugin when the endpoint fails', async () => {
    server.setBehaviour({ status: 503 });
    const chain = createApprovalChain(
      [
        { name: 'http', config: { endpoint: server.url } },
        { name: 'whitelist', config: { list: ['gpt-*'] } },
      ],
      log,
    );
    expect(await chain.evaluate(subject)).toMatchObject({ decision: 'APPROVE', plugin: 'whitelist' });
  });

  it('decides for the chain when the endpoint answers clearly', async () => {
    server.answer('deny', 'Not on the allow list of the finance team');
    const chain = createApprovalChain(
      [
        { name: 'http', config: { endpoint: server.url } },
        { name: 'whitelist', config: { list: ['gpt-*'] } },
      ],
      log,
    );
    expect(await chain.evaluate(subject)).toEqual({
      decision: 'DENY',
      reason: 'Not on the allow list of the finance team',
      plugin: 'http',
    });
  });

  it('lets the service answer per request', async () => {
    server.setBehaviour((request) => {
      const { email } = request.json as { email: string };
      return { body: { decision: email.endsWith('@company.com') ? 'APPROVE' : 'DENY' } };
    });
    const chain = createApprovalChain([{ name: 'http', config: { endpoint: server.url } }], log);
    const outcomes = await Promise.all([
      chain.evaluate(subject),
      chain.evaluate({ ...subject, requestId: 'req-43', email: 'user@gmail.com' }),
    ]);
    expect(outcomes.map((outcome) => outcome.decision)).toEqual(['APPROVE', 'DENY']);
    expect(server.requests).toHaveLength(2);
  });
});
