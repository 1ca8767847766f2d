import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config/load-config.js';

const KUSTOMIZE_DIR = fileURLToPath(new URL('../deploy/kubernetes', import.meta.url));
const EXAMPLE_OVERLAY_DIR = fileURLToPath(new URL('../deploy/overlays/example', import.meta.url));
const NAME = 'llm-key-requestor';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

interface RoleObject extends K8sObject {
  rules: { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] }[];
}

interface RoleBindingObject extends K8sObject {
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string }[];
}

interface Probe {
  httpGet?: { path: string; port: string | number };
}

interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

interface DeploymentObject extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    strategy: { type: string; rollingUpdate?: { maxUnavailable?: number | string } };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        serviceAccountName?: string;
        enableServiceLinks?: boolean;
        securityContext?: {
          runAsNonRoot?: boolean;
          runAsUser?: number;
          seccompProfile?: { type: string };
        };
        containers: Container[];
        volumes?: { name: string; emptyDir?: object; configMap?: { name: string } }[];
      };
    };
  };
}

interface ServiceObject extends K8sObject {
  spec: { selector: Record<string, string>; ports: { port: number; targetPort: string | number }[] };
}

interface DataObject extends K8sObject {
  data?: Record<string, string>;
}

interface PdbObject extends K8sObject {
  spec: { minAvailable?: number; selector: { matchLabels: Record<string, string> } };
}

let objects: K8sObject[];
let workDir: string;

/** The objects `kubectl kustomize dir` renders. */
async function render(dir: string): Promise<K8sObject[]> {
  const { stdout } = await promisify(execFile)('kubectl', ['kustomize', dir], {
    timeout: 20_000,
  }).catch((error: unknown) => {
    throw new Error(`kubectl kustomize ${dir} failed (is kubectl installed?): ${String(error)}`);
  });
  const documents = parseAllDocuments(stdout);
  if (!Array.isArray(documents)) {
    throw new Error('kustomize printed no YAML documents');
  }
  for (const document of documents) {
    expect(document.errors).toEqual([]);
  }
  return documents.map((document) => document.toJS() as K8sObject);
}

beforeAll(async () => {
  objects = await render(KUSTOMIZE_DIR);
  workDir = await mkdtemp(join(tmpdir(), 'deploy-kustomize-'));
});

afterAll(async () => {
  if (workDir) {
    await rm(workDir, { recursive: true, force: true });
  }
});

function only<T extends K8sObject>(kind: string): T {
  const matches = objects.filter((object) => object.kind === kind);
  expect(matches.map((object) => `${object.kind}/${object.metadata.name}`)).toHaveLength(1);
  return matches[0] as T;
}

function deployment(): DeploymentObject {
  return only<DeploymentObject>('Deployment');
}

function container(): Container {
  const containers = deployment().spec.template.spec.containers;
  expect(containers).toHaveLength(1);
  return containers[0] as Container;
}

function containerPort(portRef: string | number): number | undefined {
  if (typeof portRef === 'number') {
    return portRef;
  }
  return container().ports?.find((port) => port.name === portRef)?.containerPort;
}

describe('kubectl kustomize deploy/kubernetes', () => {
  it('renders the expected resources, all in one namespace and labelled as the app', () => {
    expect(objects.map((object) => object.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Namespace',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Secret',
      'Service',
      'ServiceAccount',
    ]);
    const namespace = only('Namespace').metadata.name;
    for (const object of objects) {
      expect(object.metadata.labels?.['app.kubernetes.io/name'], object.kind).toBe(NAME);
      // That component marks the request Secrets the store lists; nothing else may carry it.
      expect(object.metadata.labels?.['app.kubernetes.io/component'], object.kind).not.toBe(
        'llm-key-request',
      );
      if (object.kind !== 'Namespace') {
        expect(object.metadata.namespace, object.kind).toBe(namespace);
      }
    }
  });

  it('enforces the restricted pod security standard on its namespace', () => {
    expect(only('Namespace').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('RBAC', () => {
  it('grants a namespaced Role exactly the verbs the store uses, on secrets only', () => {
    expect(
      objects.some((object) => object.kind === 'ClusterRole' || object.kind === 'ClusterRoleBinding'),
    ).toBe(false);
    const role = only<RoleObject>('Role');
    expect(role.rules).toHaveLength(1);
    const [rule] = role.rules;
    expect(rule?.apiGroups).toEqual(['']);
    expect(rule?.resources).toEqual(['secrets']);
    expect(rule?.resourceNames).toBeUndefined();
    expect([...(rule?.verbs ?? [])].sort()).toEqual(['create', 'get', 'list', 'update', 'watch']);
  });

  it('binds that Role to the service account the pods run as', () => {
    const binding = only<RoleBindingObject>('RoleBinding');
    const account = only('ServiceAccount');
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: only('Role').metadata.name });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace },
    ]);
    expect(deployment().spec.template.spec.serviceAccountName).toBe(account.metadata.name);
  });
});

describe('Deployment', () => {
  it('runs two replicas with a rolling update that keeps both serving', () => {
    const spec = deployment().spec;
    expect(spec.replicas).toBe(2);
    expect(spec.strategy.type).toBe('RollingUpdate');
    expect(spec.strategy.rollingUpdate?.maxUnavailable).toBe(0);
    expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
  });

  it('probes readiness on /ready and liveness on /health, on the port the app listens on', () => {
    const app = container();
    expect(app.readinessProbe?.httpGet?.path).toBe('/ready');
    expect(app.livenessProbe?.httpGet?.path).toBe('/health');
    const port = Number(app.env?.find((variable) => variable.name === 'PORT')?.value ?? 8000);
    for (const probe of [app.readinessProbe, app.livenessProbe, app.startupProbe]) {
      expect(containerPort(probe?.httpGet?.port ?? -1)).toBe(port);
    }
  });

  it('runs as non-root on a read-only root filesystem with no capabilities', () => {
    const pod = deployment().spec.template.spec;
    const app = container();
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext?.seccompProfile?.type ?? app.securityContext?.seccompProfile?.type).toBe(
      'RuntimeDefault',
    );
    expect(app.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(app.securityContext?.capabilities?.add).toBeUndefined();
    expect(pod.enableServiceLinks).toBe(false);
  });

  it('gives the read-only container a writable /tmp for the CA bundle', () => {
    const mount = container().volumeMounts?.find((candidate) => candidate.mountPath === '/tmp');
    const volume = deployment().spec.template.spec.volumes?.find(
      (candidate) => candidate.name === mount?.name,
    );
    expect(volume?.emptyDir).toBeDefined();
  });

  it('sets resource requests and limits', () => {
    const resources = container().resources;
    expect(resources?.requests).toHaveProperty('cpu');
    expect(resources?.requests).toHaveProperty('memory');
    expect(resources?.limits).toHaveProperty('memory');
  });

  it('carries the Prometheus scrape annotations for the metrics port', () => {
    const annotations = deployment().spec.template.metadata.annotations ?? {};
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    expect(containerPort(Number(annotations['prometheus.io/port']))).toBe(containerPort('http'));
  });

  it('uses the image set in kustomization.yaml', () => {
    expect(container().image).toMatch(/\/llm-key-requestor:[\w.-]+$/);
  });

  it('takes its credentials from the generated Secret, which holds only empty placeholders', () => {
    const secret = only<DataObject>('Secret');
    expect(container().envFrom).toEqual([{ secretRef: { name: secret.metadata.name } }]);
    expect(Object.keys(secret.data ?? {}).sort()).toEqual([
      'ADMIN_PASSWORD',
      'ADMIN_USERNAME',
      'LITELLM_API_KEY',
      'SMTP_PASSWORD',
    ]);
    // A real credential must never be committed here.
    expect(Object.values(secret.data ?? {}).every((value) => value === '')).toBe(true);
  });
});

describe('config.yaml ConfigMap', () => {
  function configFile(): { path: string; text: string } {
    const app = container();
    const configPath = app.env?.find((variable) => variable.name === 'CONFIG_FILE')?.value ?? '';
    const mount = app.volumeMounts?.find((candidate) => candidate.mountPath === dirname(configPath));
    const volume = deployment().spec.template.spec.volumes?.find(
      (candidate) => candidate.name === mount?.name,
    );
    const configMap = only<DataObject>('ConfigMap');
    expect(volume?.configMap?.name).toBe(configMap.metadata.name);
    const text = configMap.data?.[basename(configPath)];
    expect(text).toBeTypeOf('string');
    return { path: configPath, text: text ?? '' };
  }

  it('is mounted where CONFIG_FILE points and parses as YAML', () => {
    const { text } = configFile();
    expect(parse(text)).toMatchObject({ approval: { queue_interval: expect.any(String) } });
  });

  it('is accepted by the config loader as a pod would run it', async () => {
    const { text } = configFile();
    const path = join(workDir, 'config.yaml');
    await writeFile(path, text);

    const config = loadConfig({
      env: {
        CONFIG_FILE: path,
        KUBERNETES_SERVICE_HOST: '10.96.0.1',
        KUBERNETES_NAMESPACE: NAME,
        LITELLM_API_KEY: 'sk-test',
        ADMIN_USERNAME: 'admin',
        ADMIN_PASSWORD: 'secret',
      },
      cwd: workDir,
      serviceAccountNamespaceFile: join(workDir, 'no-such-file'),
    });

    expect(config.store).toMatchObject({ kind: 'kubernetes', namespace: NAME });
    expect(config.approvalPlugins.length).toBeGreaterThan(0);
  });
});

describe('Service and PodDisruptionBudget', () => {
  it('exposes port 80 to the pods on the app port', () => {
    const service = only<ServiceObject>('Service');
    expect(service.spec.ports).toHaveLength(1);
    expect(service.spec.ports[0]?.port).toBe(80);
    expect(containerPort(service.spec.ports[0]?.targetPort ?? -1)).toBe(8000);
    expect(deployment().spec.template.metadata.labels).toMatchObject(service.spec.selector);
  });

  it('keeps one replica up through voluntary disruptions', () => {
    const pdb = only<PdbObject>('PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(deployment().spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
  });
});

interface HpaObject extends K8sObject {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: { type: string; resource?: { name: string } }[];
  };
}

interface IngressBackend {
  service: { name: string; port: { name?: string; number?: number } };
}

interface IngressObject extends K8sObject {
  spec: {
    rules: {
      host?: string;
      http: { paths: { path: string; pathType: string; backend: IngressBackend }[] };
    }[];
  };
}

interface ServicePortsObject extends K8sObject {
  spec: { selector: Record<string, string>; ports: { name?: string; port: number }[] };
}

/** An overlay written like an operator's own: somewhere else, a name prefix and its own
 * namespace, the base and both components by relative path (kustomize refuses absolute ones). */
async function writeRenamingOverlay(dir: string): Promise<string> {
  const overlay = join(dir, 'overlay');
  await rm(overlay, { recursive: true, force: true });
  await mkdir(overlay, { recursive: true });
  const base = relative(overlay, KUSTOMIZE_DIR);
  await writeFile(
    join(overlay, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'namePrefix: team-a-',
      'namespace: team-a-keys',
      'resources:',
      `  - ${base}`,
      'components:',
      `  - ${base}/components/ingress`,
      `  - ${base}/components/hpa`,
      '',
    ].join('\n'),
  );
  return overlay;
}

describe('optional components: Ingress and HorizontalPodAutoscaler', () => {
  const overlays: [string, () => Promise<string>][] = [
    ['deploy/overlays/example', async () => EXAMPLE_OVERLAY_DIR],
    ['an overlay elsewhere with a name prefix', () => writeRenamingOverlay(workDir)],
  ];

  describe.each(overlays)('%s', (_name, overlayDir) => {
    let rendered: K8sObject[];

    beforeAll(async () => {
      rendered = await render(await overlayDir());
    });

    function one<T extends K8sObject>(kind: string): T {
      const matches = rendered.filter((object) => object.kind === kind);
      expect(matches.map((object) => `${object.kind}/${object.metadata.name}`)).toHaveLength(1);
      return matches[0] as T;
    }

    it('adds exactly an Ingress and an HPA to the base, in the same namespace', () => {
      expect(rendered.map((object) => object.kind).sort()).toEqual(
        [...objects.map((object) => object.kind), 'HorizontalPodAutoscaler', 'Ingress'].sort(),
      );
      const namespace = one('Namespace').metadata.name;
      for (const object of rendered.filter((candidate) => candidate.kind !== 'Namespace')) {
        expect(object.metadata.namespace, object.kind).toBe(namespace);
        expect(object.metadata.labels?.['app.kubernetes.io/name'], object.kind).toBe(NAME);
      }
    });

    it('points the HPA at the Deployment by its rendered name, group and kind', () => {
      const target = one<DeploymentObject>('Deployment');
      expect(one<HpaObject>('HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({
        apiVersion: target.apiVersion,
        kind: target.kind,
        name: target.metadata.name,
      });
      expect(target.apiVersion).toBe('apps/v1');
    });

    it('leaves the replica count to the HPA and keeps the PDB able to evict a pod', () => {
      const hpa = one<HpaObject>('HorizontalPodAutoscaler').spec;
      expect(one<DeploymentObject>('Deployment').spec.replicas).toBeUndefined();
      const pdb = one<PdbObject>('PodDisruptionBudget').spec;
      // With minReplicas <= minAvailable a drain could never evict anything.
      expect(hpa.minReplicas ?? 1).toBeGreaterThan(pdb.minAvailable ?? 0);
      expect(hpa.maxReplicas).toBeGreaterThanOrEqual(hpa.minReplicas ?? 1);
      const podLabels = one<DeploymentObject>('Deployment').spec.template.metadata.labels;
      expect(podLabels).toMatchObject(pdb.selector.matchLabels);
    });

    it('scales on CPU, which the container requests', () => {
      const metrics = one<HpaObject>('HorizontalPodAutoscaler').spec.metrics ?? [];
      expect(metrics.map((metric) => metric.resource?.name)).toContain('cpu');
      const containers = one<DeploymentObject>('Deployment').spec.template.spec.containers;
      expect(containers[0]?.resources?.requests).toHaveProperty('cpu');
    });

    it('routes the Ingress to the rendered Service on one of its ports', () => {
      const service = one<ServicePortsObject>('Service');
      const rules = one<IngressObject>('Ingress').spec.rules;
      expect(rules).toHaveLength(1);
      const paths = rules[0]?.http.paths ?? [];
      expect(paths.map(({ path, pathType }) => `${pathType} ${path}`)).toEqual(['Prefix /']);
      const backend = paths[0]?.backend.service;
      expect(backend?.name).toBe(service.metadata.name);
      const port = service.spec.ports.find(
        (candidate) =>
          (backend?.port.name !== undefined && candidate.name === backend.port.name) ||
          (backend?.port.number !== undefined && candidate.port === backend.port.number),
      );
      expect(port, JSON.stringify(backend?.port)).toBeDefined();
    });
  });

  it('renames the targets along with a name prefix', async () => {
    const rendered = await render(await writeRenamingOverlay(workDir));
    const names = rendered
      .filter((object) =>
        ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'Ingress'].includes(object.kind),
      )
      .map((object) => object.metadata.name);
    expect(names).toEqual(names.map(() => 'team-a-llm-key-requestor'));
    expect(names).toHaveLength(4);
  });

  it('sets a host with TLS in the example overlay', async () => {
    const rendered = await render(EXAMPLE_OVERLAY_DIR);
    const ingress = rendered.find((object) => object.kind === 'Ingress') as
      | (IngressObject & { spec: { tls?: { hosts: string[]; secretName: string }[] } })
      | undefined;
    const host = ingress?.spec.rules[0]?.host;
    expect(host).toMatch(/^[a-z0-9.-]+$/);
    expect(ingress?.spec.tls?.[0]?.hosts).toEqual([host]);
  });
});
