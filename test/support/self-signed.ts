import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface SelfSigned {
  cert: string;
  key: string;
}

/** A fresh self-signed certificate for 127.0.0.1 (P-256, valid two days), made with openssl
 * in `dir` as `<name>.crt` / `<name>.key`; returns both as PEM text. */
export async function selfSigned(dir: string, name: string): Promise<SelfSigned> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '2',
    '-subj',
    `/CN=127.0.0.1/O=${name}`,
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
}
