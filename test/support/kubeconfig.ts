import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  /** API server URL, e.g. the fake's `url`. */
  server: string;
  namespace?: string;
  token?: string;
}

/** The kubeconfig document for a plain-HTTP test server. client-node 1.x refuses http://
 * servers unless `insecure-skip-tls-verify` is set, so it always is. */
export function kubeconfigDocument({ server, namespace = 'default', token }: KubeconfigOptions) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'tester', user: token === undefined ? {} : { token } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'tester', namespace } }],
    'current-context': 'fake',
    preferences: {},
  };
}

/** A client-node KubeConfig pointing at a test server, without touching the filesystem. */
export function testKubeConfig(options: KubeconfigOptions): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(stringify(kubeconfigDocument(options)));
  return kubeConfig;
}

export interface TempKubeconfig {
  /** Path to pass as KUBECONFIG or `--kubeconfig`. */
  path: string;
  /** Directory usable as HOME / kubectl cache dir, so nothing leaks into the real home. */
  dir: string;
  remove(): Promise<void>;
}

/** Writes a kubeconfig file for the real `kubectl` binary into a fresh temp directory. */
export async function writeTempKubeconfig(options: KubeconfigOptions): Promise<TempKubeconfig> {
  const dir = await mkdtemp(join(tmpdir(), 'lkr-kubeconfig-'));
  const path = join(dir, 'config');
  await writeFile(path, stringify(kubeconfigDocument(options)), { mode: 0o600 });
  return { path, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
