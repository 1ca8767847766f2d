import { describe, expect, it } from 'vitest';
import { type SmtpSettings, smtpSecurityWarnings, smtpTransportOptions, tlsModeFor } from './smtp-options.js';

const base: SmtpSettings = {
  host: 'mail.example.test',
  port: 587,
  user: '',
  password: '',
  from: 'noreply@example.test',
  useTls: true,
  startTls: null,
  verifySsl: true,
};

describe('tlsModeFor: the table of docs/design.md, "SMTP TLS modes"', () => {
  it.each([
    // use_tls true: STARTTLS on the submission ports (the seed's meaning), implicit TLS elsewhere (the original's)
    [true, null, 587, 'starttls'],
    [true, null, 25, 'starttls'],
    [true, false, 587, 'starttls'],
    [true, true, 25, 'starttls'],
    [true, null, 465, 'implicit'],
    [true, true, 465, 'implicit'],
    [true, false, 2525, 'implicit'],
    // use_tls false: start_tls true requires STARTTLS (the original's shipped setup)
    [false, true, 587, 'starttls'],
    [false, true, 465, 'starttls'],
    [false, true, 2525, 'starttls'],
    // both off or start_tls unset: STARTTLS when offered, else plain
    [false, false, 587, 'opportunistic'],
    [false, null, 587, 'opportunistic'],
    [false, null, 465, 'opportunistic'],
  ] as const)('use_tls %s, start_tls %s, port %i: %s', (useTls, startTls, port, mode) => {
    expect(tlsModeFor({ useTls, startTls, port })).toBe(mode);
  });
});

describe('smtpSecurityWarnings', () => {
  it('is silent for settings that always encrypt and verify', () => {
    expect(smtpSecurityWarnings(base)).toEqual([]);
    expect(smtpSecurityWarnings({ ...base, useTls: false, startTls: true })).toEqual([]);
  });

  it('warns that keys may travel in clear text when STARTTLS is only opportunistic', () => {
    const [warning, ...rest] = smtpSecurityWarnings({ ...base, useTls: false, startTls: false });
    expect(rest).toEqual([]);
    expect(warning).toMatch(/clear text/);
    expect(warning).toMatch(/API keys/);
    expect(warning).toMatch(/start_tls: true/);
    expect(warning).not.toMatch(/password/);
    expect(smtpSecurityWarnings({ ...base, useTls: false, user: 'mailer' })[0]).toMatch(/SMTP password/);
  });

  it('warns when certificates are not verified', () => {
    expect(smtpSecurityWarnings({ ...base, verifySsl: false })).toEqual([
      expect.stringMatching(/not verified/),
    ]);
  });
});

describe('smtpTransportOptions', () => {
  it('maps implicit TLS to secure without STARTTLS flags', () => {
    const options = smtpTransportOptions({ ...base, port: 465 });
    expect(options).toMatchObject({ secure: true, requireTLS: false, ignoreTLS: false, port: 465 });
  });

  it('maps STARTTLS to requireTLS so a server without it is an error, not plain text', () => {
    const options = smtpTransportOptions(base);
    expect(options).toMatchObject({ secure: false, requireTLS: true, ignoreTLS: false });
  });

  it('maps opportunistic STARTTLS to neither flag: STARTTLS whenever the server offers it', () => {
    const options = smtpTransportOptions({ ...base, useTls: false });
    expect(options).toMatchObject({ secure: false, requireTLS: false, ignoreTLS: false });
  });

  it('requires STARTTLS for use_tls false with start_tls true', () => {
    const options = smtpTransportOptions({ ...base, useTls: false, startTls: true, port: 2525 });
    expect(options).toMatchObject({ secure: false, requireTLS: true, ignoreTLS: false });
  });

  it('verifies certificates unless verifySsl is false', () => {
    expect(smtpTransportOptions(base).tls?.rejectUnauthorized).not.toBe(false);
    expect(smtpTransportOptions({ ...base, verifySsl: false }).tls?.rejectUnauthorized).toBe(false);
  });

  it('logs in only when a user is set', () => {
    expect(smtpTransportOptions(base).auth).toBeUndefined();
    expect(smtpTransportOptions({ ...base, user: 'mailer', password: 'pw' }).auth).toEqual({
      user: 'mailer',
      pass: 'pw',
    });
  });

  it('pools a few connections with timeouts of seconds, not minutes', () => {
    const options = smtpTransportOptions(base);
    expect(options.pool).toBe(true);
    expect(options.maxConnections).toBeGreaterThan(1);
    expect(options.maxConnections).toBeLessThanOrEqual(5);
    expect(options.connectionTimeout).toBeLessThanOrEqual(15_000);
    expect(options.greetingTimeout).toBeLessThanOrEqual(15_000);
    expect(options.socketTimeout).toBeLessThanOrEqual(60_000);
  });

  it('takes custom timeouts', () => {
    const options = smtpTransportOptions(base, { connectionMs: 1, greetingMs: 2, socketMs: 3 });
    expect(options).toMatchObject({ connectionTimeout: 1, greetingTimeout: 2, socketTimeout: 3 });
  });

  it('keeps nodemailer from reading files or URLs named in message content', () => {
    expect(smtpTransportOptions(base)).toMatchObject({ disableFileAccess: true, disableUrlAccess: true });
  });
});
