import { describe, expect, it } from 'vitest';
import { type SmtpSettings, smtpTransportOptions, tlsModeFor } from './smtp-options.js';

const base: SmtpSettings = {
  host: 'mail.example.test',
  port: 587,
  user: '',
  password: '',
  from: 'noreply@example.test',
  useTls: true,
  verifySsl: true,
};

describe('tlsModeFor', () => {
  it('uses implicit TLS on port 465 when TLS is on', () => {
    expect(tlsModeFor({ useTls: true, port: 465 })).toBe('implicit');
  });

  it('requires STARTTLS on any other port when TLS is on', () => {
    expect(tlsModeFor({ useTls: true, port: 587 })).toBe('starttls');
    expect(tlsModeFor({ useTls: true, port: 25 })).toBe('starttls');
    expect(tlsModeFor({ useTls: true, port: 2525 })).toBe('starttls');
  });

  it('is plain whenever TLS is off, 465 included', () => {
    expect(tlsModeFor({ useTls: false, port: 587 })).toBe('plain');
    expect(tlsModeFor({ useTls: false, port: 465 })).toBe('plain');
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

  it('maps plain to ignoreTLS', () => {
    const options = smtpTransportOptions({ ...base, useTls: false });
    expect(options).toMatchObject({ secure: false, requireTLS: false, ignoreTLS: true });
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
