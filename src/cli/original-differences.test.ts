import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApprovalChain } from '../approval/plugin-registry.js';
import { loadConfig } from '../config/load-config.js';
import { originalDifferences } from './original-differences.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lkr-differences-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const logger = { debug() {}, info() {}, warn() {}, error() {} };

function reportFor(yaml: string, env: Record<string, string> = {}) {
  writeFileSync(join(dir, 'config.yaml'), yaml);
  const config = loadConfig({ env, cwd: dir });
  return originalDifferences(config, createApprovalChain(config.approvalPlugins, { logger }));
}

function line(lines: string[], start: string): string {
  return lines.find((candidate) => candidate.startsWith(start)) ?? `(no line starting ${start})`;
}

describe('originalDifferences', () => {
  it("tells the SMTP connection here and the original's for the same settings", () => {
    expect(line(reportFor('smtp: {use_tls: false, start_tls: true}').differences, 'smtp:')).toBe(
      'smtp: STARTTLS, required (use_tls false, start_tls true, port 587), as the original',
    );
    expect(line(reportFor('smtp: {use_tls: false}').differences, 'smtp:')).toBe(
      'smtp: STARTTLS when offered, else plain text (use_tls false, start_tls unset, port 587); the original: STARTTLS, required',
    );
    expect(line(reportFor('smtp: {use_tls: true, port: 465}').differences, 'smtp:')).toBe(
      'smtp: implicit TLS (use_tls true, start_tls unset, port 465); the original: every send failed (use_tls with start_tls)',
    );
    expect(line(reportFor('smtp: {use_tls: true, start_tls: false, port: 587}').differences, 'smtp:')).toBe(
      'smtp: STARTTLS, required (use_tls true, start_tls false, port 587); the original: implicit TLS',
    );
  });

  it('names what admins see differently only when there is an admin front', () => {
    const off = reportFor('');
    expect(line(off.differences, 'admin API:')).toMatch(/off \(404\)/);
    expect(off.differences.some((text) => text.startsWith('keys:'))).toBe(false);
    expect(line(off.differences, 'mcp:')).toMatch(/\/mcp is off/);

    const keyOnly = reportFor('mcp: {api_key: k-0123}');
    expect(line(keyOnly.differences, 'keys:')).toMatch(/masked/);
    expect(line(keyOnly.differences, 'admin approve')).toMatch(/worker then mints/);
    expect(line(keyOnly.differences, 'mcp:')).toMatch(
      /Bearer token; decisions made with it are recorded in the history as mcp:api-key/,
    );
    expect(line(keyOnly.differences, 'admin decisions')).toMatch(
      /approve from pending, in-review, denied, expired, revoked \(from the last three as a re-issue.*deny from pending or in-review only/,
    );
  });

  it('mentions review notices, the http PENDING answer, the queue interval and model checks', () => {
    const report = reportFor(
      [
        'admin: {notify: [ops@example.com]}',
        'approval: {queue_interval: 5m}',
        'approval_plugins:',
        '  - {name: humanintheloop, config: {patterns: ["gpt-4*"], email: boss@example.com}}',
        '  - {name: http, config: {endpoint: "http://approvals.example.com/check"}}',
      ].join('\n'),
    );
    expect(line(report.differences, 'review notices:')).toContain('to ops@example.com, boss@example.com');
    expect(line(report.differences, 'http plugin:')).toContain('PENDING');
    expect(line(report.differences, 'approval.queue_interval 5m:')).toContain('woken at once');
    expect(line(report.differences, 'models:')).toContain('422');
  });

  it('says where keys at rest and +tags differ, and where they do not', () => {
    const byDefault = reportFor('');
    expect(line(byDefault.differences, 'keys at rest:')).toContain('leaves the store once its approval mail');
    expect(line(byDefault.differences, 'email.ignore_plus_tags:')).toContain('the original told them apart');
    const asBefore = reportFor('retain_api_keys: true\nemail: {ignore_plus_tags: false}');
    expect(line(asBefore.differences, 'retain_api_keys:')).toContain('as in the original');
    expect(line(asBefore.differences, 'email.ignore_plus_tags false:')).toContain('as in the original');
  });

  it("warns about the original's example secrets", () => {
    const report = reportFor(
      'admin: {username: admin, password: change-me-in-production}\nmcp: {api_key: change-me-to-a-secure-api-key}',
    );
    expect(report.warnings).toHaveLength(2);
    expect(report.warnings.join('\n')).toMatch(/admin\.password.*anyone can guess it/);
    expect(reportFor('mcp: {api_key: my-own}').warnings).toEqual([]);
  });
});
