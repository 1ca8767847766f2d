import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SelfSigned, selfSigned } from './support/self-signed.js';

const ENTRYPOINT = fileURLToPath(new URL('../deploy/entrypoint.sh', import.meta.url));
const execFileAsync = promisify(execFile);

interface Run {
  /** Of the `sh` process started; the exec'd command keeps it. */
  pid: number | undefined;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real entrypoint with `sh` and a minimal environment (no NODE_EXTRA_CA_CERTS or
 * SSL_CERT_FILE leaking in from the test runner). Async on purpose: the HTTPS test serves
 * from this process while the child connects. */
function runEntrypoint(env: Record<string, string>, command: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [ENTRYPOINT, ...command], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ pid: child.pid, code, stdout, stderr }));
  });
}

/** A `node -e` command that prints the CA-related environment it was started with. */
const PRINT_CA_ENV = [
  process.execPath,
  '-e',
  'console.log(JSON.stringify({ extra: process.env.NODE_EXTRA_CA_CERTS ?? null, ssl: process.env.SSL_CERT_FILE ?? null }))',
];

function pemBlocks(text: string): string[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((block) =>
    block.replace(/\s+/g, ''),
  );
}

let root: string;
let certA: SelfSigned;
let certB: SelfSigned;
let certC: SelfSigned;
let certD: SelfSigned;
let testDir: string;

beforeAll(async () => {
  await execFileAsync('openssl', ['version']).catch(() => {
    throw new Error('these tests need the openssl command line tool (Debian package openssl)');
  });
  root = await mkdtemp(join(tmpdir(), 'deploy-entrypoint-'));
  const generated = join(root, 'generated');
  await mkdir(generated);
  [certA, certB, certC, certD] = await Promise.all([
    selfSigned(generated, 'a'),
    selfSigned(generated, 'b'),
    selfSigned(generated, 'c'),
    selfSigned(generated, 'd'),
  ]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh certs dir and writable TMPDIR per test, so tests never share bundles. */
async function freshDirs(): Promise<{ certs: string; tmp: string }> {
  testDir = await mkdtemp(join(root, 'case-'));
  const certs = join(testDir, 'certs');
  const tmp = join(testDir, 'tmp');
  await mkdir(certs, { recursive: true });
  await mkdir(tmp);
  return { certs, tmp };
}

describe('deploy/entrypoint.sh', () => {
  it('trusts exactly the certificates found in *.crt and *.pem files', async () => {
    const { certs, tmp } = await freshDirs();
    const systemBundle = join(testDir, 'system-ca.crt');
    await writeFile(systemBundle, certD.cert);
    await writeFile(join(certs, 'a.crt'), certA.cert);
    // CRLF line ends and no final newline must not glue two certificates together.
    await writeFile(join(certs, 'b.pem'), certB.cert.trimEnd().replace(/\n/g, '\r\n'));
    // A combined key + certificate file contributes its certificate, never its key.
    await writeFile(join(certs, 'combined.pem'), `${certC.key}${certC.cert}`);
    await writeFile(join(certs, 'key-only.pem'), certA.key);
    await writeFile(join(certs, 'ignored.txt'), certD.cert);
    await writeFile(join(certs, 'tls.key'), certB.key);
    await mkdir(join(certs, 'directory.crt'));

    const run = await runEntrypoint(
      { CERTS_DIR: certs, TMPDIR: tmp, SSL_CERT_FILE: systemBundle },
      PRINT_CA_ENV,
    );

    expect(run.code).toBe(0);
    const env = JSON.parse(run.stdout) as { extra: string; ssl: string };
    expect(env.extra.startsWith(tmp)).toBe(true);
    expect(env.ssl.startsWith(tmp)).toBe(true);
    const extra = await readFile(env.extra, 'utf8');
    expect(pemBlocks(extra)).toEqual([certA.cert, certB.cert, certC.cert].flatMap(pemBlocks));
    expect(extra).not.toContain('PRIVATE KEY');
    const full = await readFile(env.ssl, 'utf8');
    expect(pemBlocks(full)).toEqual([certD.cert, certA.cert, certB.cert, certC.cert].flatMap(pemBlocks));
    expect(full).not.toContain('PRIVATE KEY');

    expect(run.stderr).toContain('a.crt');
    expect(run.stderr).toContain('b.pem');
    expect(run.stderr).toContain('combined.pem');
    expect(run.stderr).toMatch(/skipping key-only\.pem/);
    expect(run.stderr).not.toContain('ignored.txt');
    expect(run.stderr).not.toContain('tls.key');
    expect(run.stderr).not.toContain('BEGIN');
  });

  it('starts normally when the certs directory does not exist', async () => {
    const { tmp } = await freshDirs();
    const run = await runEntrypoint({ CERTS_DIR: join(testDir, 'no-such-dir'), TMPDIR: tmp }, PRINT_CA_ENV);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ extra: null, ssl: null });
    expect(run.stderr).toBe('');
  });

  it('starts normally with an empty certs directory and says so', async () => {
    const { certs, tmp } = await freshDirs();
    const run = await runEntrypoint({ CERTS_DIR: certs, TMPDIR: tmp }, PRINT_CA_ENV);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ extra: null, ssl: null });
    expect(run.stderr).toContain('no *.crt or *.pem certificate');
  });

  it('execs the command in its own process, with its arguments intact, and returns its exit code', async () => {
    const { certs, tmp } = await freshDirs();
    const args = ['two words', "it's", '$HOME', '', '*'];
    const run = await runEntrypoint({ CERTS_DIR: certs, TMPDIR: tmp }, [
      process.execPath,
      '-e',
      'console.log(JSON.stringify({ pid: process.pid, args: process.argv.slice(1) })); process.exit(7)',
      ...args,
    ]);

    expect(run.code).toBe(7);
    // Same pid as the shell: the command replaced it, so it receives SIGTERM directly.
    expect(JSON.parse(run.stdout)).toEqual({ pid: run.pid, args });
  });

  it('refuses to start when certificates are mounted but no bundle can be written', async () => {
    const { certs } = await freshDirs();
    await writeFile(join(certs, 'a.crt'), certA.cert);
    const notADirectory = join(testDir, 'file');
    await writeFile(notADirectory, '');

    const run = await runEntrypoint({ CERTS_DIR: certs, TMPDIR: join(notADirectory, 'tmp') }, PRINT_CA_ENV);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('mount a writable /tmp');
  });
});

describe('deploy/entrypoint.sh with an HTTPS server using a self-signed certificate', () => {
  let server: Server | undefined;
  let url: string;

  beforeAll(async () => {
    const https = createServer({ cert: certA.cert, key: certA.key }, (_request, response) => {
      response.end('hello over trusted TLS');
    });
    server = https;
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(https.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    const https = server;
    if (https) {
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
    }
  });

  const fetchCommand = () => [
    process.execPath,
    '-e',
    `fetch(${JSON.stringify(url)}).then((r) => r.text()).then(
       (body) => console.log(body),
       (error) => { console.error(String(error.cause?.code ?? error.message)); process.exit(3); })`,
  ];

  it('lets Node reach the server when its certificate is mounted', async () => {
    const { certs, tmp } = await freshDirs();
    await writeFile(join(certs, 'internal-ca.crt'), certA.cert);

    const run = await runEntrypoint({ CERTS_DIR: certs, TMPDIR: tmp }, fetchCommand());

    expect(run.stdout.trim()).toBe('hello over trusted TLS');
    expect(run.code).toBe(0);
  });

  it('leaves Node refusing the server when its certificate is not mounted', async () => {
    const { certs, tmp } = await freshDirs();
    await writeFile(join(certs, 'other-ca.crt'), certB.cert);

    const run = await runEntrypoint({ CERTS_DIR: certs, TMPDIR: tmp }, fetchCommand());

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
  });
});
