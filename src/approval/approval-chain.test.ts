import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test/support/recording-logger.js';
import { ALL_CONTINUE_REASON, createChain, NO_PLUGINS_REASON } from './approval-chain.js';
import type { ApprovalPlugin, ApprovalSubject, PluginName, PluginVerdict } from './approval-types.js';
import { createApprovalChain } from './plugin-registry.js';

/** A plugin with a fixed answer that records the subjects it saw. */
function scripted(name: PluginName, answer: PluginVerdict | (() => Promise<PluginVerdict>)) {
  const seen: ApprovalSubject[] = [];
  const plugin: ApprovalPlugin = {
    name,
    async evaluate(subject) {
      seen.push(subject);
      return typeof answer === 'function' ? answer() : answer;
    },
  };
  return { plugin, seen };
}

const subject: ApprovalSubject = { requestId: 'req-1', email: 'user@company.com', model: 'gpt-4' };

describe('approval chain', () => {
  it('denies everything when no plugin is configured', async () => {
    const { logger } = recordingLogger();
    const chain = createChain([], logger);
    expect(chain.plugins).toEqual([]);
    expect(await chain.evaluate(subject)).toEqual({
      decision: 'DENY',
      reason: 'No approval plugins configured',
      plugin: null,
    });
    expect(NO_PLUGINS_REASON).toBe('No approval plugins configured');
  });

  it('denies by default when every plugin continues, after asking each of them once', async () => {
    const { logger } = recordingLogger();
    const first = scripted('blacklist', { decision: 'CONTINUE' });
    const second = scripted('http', { decision: 'CONTINUE', reason: 'service has no opinion' });
    const outcome = await createChain([first.plugin, second.plugin], logger).evaluate(subject);
    expect(outcome).toEqual({
      decision: 'DENY',
      reason: 'All approval plugins returned CONTINUE - denied by default',
      plugin: null,
    });
    expect(ALL_CONTINUE_REASON).toBe(outcome.reason);
    expect([first.seen, second.seen]).toEqual([[subject], [subject]]);
  });

  it.each(['APPROVE', 'DENY', 'REVIEW', 'PENDING'] as const)(
    'stops at the first %s and reports who decided',
    async (decision) => {
      const { logger } = recordingLogger();
      const before = scripted('blacklist', { decision: 'CONTINUE' });
      const decider = scripted('review', { decision, reason: 'because' });
      const after = scripted('email', { decision: 'APPROVE' });
      const chain = createChain([before.plugin, decider.plugin, after.plugin], logger);
      expect(await chain.evaluate(subject)).toEqual({ decision, reason: 'because', plugin: 'review' });
      expect(after.seen).toEqual([]);
    },
  );

  it('gives a decision without a reason a default one', async () => {
    const { logger } = recordingLogger();
    const chain = createChain([scripted('http', { decision: 'DENY' }).plugin], logger);
    expect(await chain.evaluate(subject)).toEqual({
      decision: 'DENY',
      reason: 'Denied by the http plugin',
      plugin: 'http',
    });
  });

  it('gives PENDING a default reason naming the plugin', async () => {
    const { logger } = recordingLogger();
    const chain = createChain([scripted('http', { decision: 'PENDING' }).plugin], logger);
    expect(await chain.evaluate(subject)).toEqual({
      decision: 'PENDING',
      reason: 'Waiting for the http plugin to decide',
      plugin: 'http',
    });
  });

  it("collects the plugins' reviewer addresses, once each, in plugin order", () => {
    const { logger } = recordingLogger();
    const withNotify = (name: ApprovalPlugin['name'], notify: string[]): ApprovalPlugin => ({
      ...scripted(name, { decision: 'CONTINUE' }).plugin,
      notify,
    });
    const chain = createChain(
      [
        withNotify('humanintheloop', ['b@example.com']),
        scripted('email', { decision: 'CONTINUE' }).plugin,
        withNotify('review', ['a@example.com', 'b@example.com']),
      ],
      logger,
    );
    expect(chain.reviewers).toEqual(['b@example.com', 'a@example.com']);
  });

  it('treats a plugin that throws as CONTINUE, logs it as an error and asks the next one', async () => {
    const { logger, entries } = recordingLogger();
    const broken = scripted('http', () => Promise.reject(new Error('bug in plugin')));
    const next = scripted('email', { decision: 'DENY', reason: 'not allowed' });
    const outcome = await createChain([broken.plugin, next.plugin], logger).evaluate(subject);
    expect(outcome).toEqual({ decision: 'DENY', reason: 'not allowed', plugin: 'email' });
    const errors = entries.filter((entry) => entry.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields).toMatchObject({ plugin: 'http', index: 0, requestId: 'req-1' });
  });

  it('never approves because of a plugin that throws', async () => {
    const { logger } = recordingLogger();
    // Not async: the throw happens before any promise exists.
    const broken: ApprovalPlugin = {
      name: 'whitelist',
      evaluate() {
        throw new TypeError('synchronous bug');
      },
    };
    const outcome = await createChain([broken], logger).evaluate(subject);
    expect(outcome).toEqual({ decision: 'DENY', reason: ALL_CONTINUE_REASON, plugin: null });
  });

  it('treats an answer without a valid decision as CONTINUE', async () => {
    const { logger, entries } = recordingLogger();
    const odd = scripted('http', { decision: 'approve' as PluginVerdict['decision'] });
    const outcome = await createChain([odd.plugin], logger).evaluate(subject);
    expect(outcome.decision).toBe('DENY');
    expect(entries.some((entry) => entry.level === 'error' && entry.fields.decision === 'approve')).toBe(
      true,
    );
  });

  it('evaluates concurrent subjects independently', async () => {
    const { logger } = recordingLogger();
    const chain = createApprovalChain(
      [
        { name: 'whitelist', config: { list: ['ollama/*'] } },
        { name: 'email', config: { pattern: '*@company.com' } },
      ],
      { logger },
    );
    const outcomes = await Promise.all([
      chain.evaluate({ requestId: 'a', email: 'x@gmail.com', model: 'ollama/x' }),
      chain.evaluate({ requestId: 'b', email: 'x@gmail.com', model: 'gpt-4' }),
    ]);
    expect(outcomes.map((outcome) => `${outcome.decision} by ${outcome.plugin}`)).toEqual([
      'APPROVE by whitelist',
      'DENY by email',
    ]);
  });
});

describe('the example chain of the original README', () => {
  // blacklist gpt-4*, then whitelist ollama/*, then email *@company.com.
  const { logger } = recordingLogger();
  const chain = createApprovalChain(
    [
      { name: 'blacklist', config: { list: ['gpt-4*'] } },
      { name: 'whitelist', config: { list: ['ollama/*'] } },
      { name: 'email', config: { pattern: '*@company.com' } },
    ],
    { logger },
  );

  it.each([
    ['user@company.com', 'gpt-4', 'DENY', 'blacklist'],
    ['user@company.com', 'ollama/llama2', 'APPROVE', 'whitelist'],
    ['user@company.com', 'claude-3', 'APPROVE', 'email'],
    ['user@gmail.com', 'claude-3', 'DENY', 'email'],
  ])('(%s, %s) -> %s by %s', async (email, model, decision, plugin) => {
    const outcome = await chain.evaluate({ requestId: 'req-1', email, model });
    expect({ decision: outcome.decision, plugin: outcome.plugin }).toEqual({ decision, plugin });
    expect(outcome.reason.length).toBeGreaterThan(0);
  });
});

describe('deciding locally (as a request is submitted)', () => {
  const { logger } = recordingLogger();
  const local = { email: 'user@company.com', model: 'gpt-4' };

  it("gives evaluate's outcome when a local plugin decides before any http plugin", async () => {
    const chain = createApprovalChain(
      [
        { name: 'blacklist', config: { list: ['gpt-4*'] } },
        { name: 'http', config: { endpoint: 'http://127.0.0.1:9/approve' } },
        { name: 'whitelist', config: { list: ['ollama/*'] } },
      ],
      { logger },
    );
    const outcome = chain.decideLocally(local);
    expect(outcome).toEqual({
      decision: 'DENY',
      reason: expect.stringContaining('gpt-4*'),
      plugin: 'blacklist',
    });
    expect(outcome).toEqual(await chain.evaluate({ ...local, requestId: 'r' }));
  });

  it('leaves the request to the worker when an http plugin has its turn first', () => {
    const chain = createApprovalChain(
      [
        { name: 'http', config: { endpoint: 'http://127.0.0.1:9/approve' } },
        { name: 'whitelist', config: { list: ['*'] } },
      ],
      { logger },
    );
    expect(chain.decideLocally(local)).toBeNull();
  });

  it("leaves the chain's default decisions (no plugins, all CONTINUE) to the worker", () => {
    expect(createChain([], logger).decideLocally(local)).toBeNull();
    const continuing = createApprovalChain([{ name: 'whitelist', config: { list: ['ollama/*'] } }], {
      logger,
    });
    expect(continuing.decideLocally(local)).toBeNull();
  });

  it.each([
    [{ name: 'whitelist', config: { list: ['gpt-*'] } }, 'APPROVE'],
    [{ name: 'review', config: { patterns: ['gpt-*'] } }, 'REVIEW'],
    [{ name: 'email', config: { pattern: '*@other.com' } }, 'DENY'],
  ] as const)('decides with %o: %s', (entry, decision) => {
    const chain = createApprovalChain([entry], { logger });
    expect(chain.decideLocally(local)).toMatchObject({ decision, plugin: entry.name });
  });

  it('treats a local plugin that throws as CONTINUE and never approves because of it', () => {
    const broken: ApprovalPlugin = {
      name: 'whitelist',
      decideLocally() {
        throw new TypeError('bug');
      },
      evaluate: () => Promise.reject(new TypeError('bug')),
    };
    const deny: ApprovalPlugin = {
      name: 'blacklist',
      decideLocally: () => ({ decision: 'DENY' }),
      evaluate: async () => ({ decision: 'DENY' }),
    };
    expect(createChain([broken, deny], logger).decideLocally(local)).toEqual({
      decision: 'DENY',
      reason: 'Denied by the blacklist plugin',
      plugin: 'blacklist',
    });
    expect(createChain([broken], logger).decideLocally(local)).toBeNull();
  });
});
