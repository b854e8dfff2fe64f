import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { settings } from '../../src/core/settings.js';
import {
  describeWithKubernetesTools,
  kubernetesTools,
  type KubernetesTools,
} from '../helpers/kubernetes-tools.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const chart = fileURLToPath(new URL('../../deploy/helm/mloop', import.meta.url));

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface Container {
  name: string;
  image: string;
  args: string[];
  envFrom: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  readinessProbe?: { httpGet: { path: string; port: string } };
  livenessProbe?: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  ports?: Array<{ name: string; containerPort: number }>;
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds: number;
  securityContext: { runAsNonRoot: boolean };
}

/** A production-like install: PostgreSQL, Redis, S3-compatible storage, three servers, an Ingress. */
const scaledOut = [
  'server.replicas=3',
  'database.url=postgres://mloop:secret@postgres:5432/mloop',
  'redis.url=redis://redis:6379',
  'artifacts.root=s3://ml-artifacts/mloop',
  'artifacts.s3.endpoint=http://minio:9000',
  'artifacts.s3.forcePathStyle=true',
  'artifacts.s3.accessKeyId=AKIAEXAMPLE',
  'artifacts.s3.secretAccessKey=example-secret',
  'piiHashKey=a-shared-key',
  'worker.replicas=2',
  'worker.concurrency=4',
  'ingress.enabled=true',
  'ingress.hosts[0].host=mloop.example.com',
  'ingress.hosts[0].paths[0].path=/',
  'ingress.hosts[0].paths[0].pathType=Prefix',
];

let tools: KubernetesTools;

async function helmTemplate(values: string[]): Promise<{ yaml: string; manifests: Manifest[] }> {
  const args = ['template', 'ml', chart, ...values.flatMap((v) => ['--set', v])];
  const { stdout } = await run(tools.helm, args, { maxBuffer: 16 * 1024 * 1024 });
  const manifests = parseAllDocuments(stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
  return { yaml: stdout, manifests };
}

interface KubeconformSummary {
  valid: number;
  invalid: number;
  errors: number;
  skipped: number;
}

/** Validates against the strict schemas (no unknown field) of one Kubernetes release, offline. */
async function kubeconform(yaml: string): Promise<{ summary: KubeconformSummary; output: string }> {
  const file = join(tempDir('mloop-chart-'), 'manifests.yaml');
  writeFileSync(file, yaml);
  const location = `${tools.schemas}/{{ .NormalizedKubernetesVersion }}-local-strict/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
  const args = [
    '-strict',
    '-summary',
    '-output',
    'json',
    '-kubernetes-version',
    tools.kubernetesVersion,
    '-schema-location',
    location,
    file,
  ];
  // kubeconform exits 1 when a resource is invalid: the summary is what the tests read.
  const { stdout } = await run(tools.kubeconform, args).catch((e: { stdout?: string }) => ({
    stdout: e.stdout ?? '',
  }));
  const { summary } = JSON.parse(stdout) as { summary: KubeconformSummary };
  return { summary, output: stdout };
}

function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind} ${name} in ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`,
    );
  return found;
}

function podSpec(deployment: Manifest): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

describeWithKubernetesTools('the Helm chart (deploy/helm/mloop)', () => {
  beforeAll(() => {
    tools = kubernetesTools()!;
  });

  it('passes helm lint --strict with its defaults and scaled out', async () => {
    await run(tools.helm, ['lint', '--strict', chart]);
    for (const values of [
      scaledOut,
      [...scaledOut, 'server.grpcPort=9000'],
      ['existingSecret=mloop-settings'],
    ])
      await run(tools.helm, ['lint', '--strict', chart, ...values.flatMap((v) => ['--set', v])]);
  });

  it('renders manifests that the strict Kubernetes schemas accept, none skipped', async () => {
    for (const values of [
      [],
      scaledOut,
      [...scaledOut, 'server.grpcPort=9000'],
      ['server.persistence.enabled=true'],
      ['existingSecret=mloop-settings'],
    ]) {
      const { yaml, manifests } = await helmTemplate(values);
      const { summary, output } = await kubeconform(yaml);
      expect(summary, output).toEqual({ valid: manifests.length, invalid: 0, errors: 0, skipped: 0 });
    }
  });

  it("the validation refuses a field Kubernetes doesn't know (it is not a pass-through)", async () => {
    const { yaml } = await helmTemplate([]);
    const broken = yaml.replace('terminationGracePeriodSeconds:', 'terminationGracePeriod:');
    expect(broken).not.toBe(yaml);
    const { summary } = await kubeconform(broken);
    expect(summary.invalid).toBe(1);
  });

  it('runs replicated servers with resources, probes and a grace period, and workers from the same image', async () => {
    const { manifests } = await helmTemplate(scaledOut);
    const server = find(manifests, 'Deployment', 'ml-mloop-server');
    expect(server.spec?.replicas).toBe(3);
    const serverPod = podSpec(server);
    const [container] = serverPod.containers;
    expect(container?.args).toEqual(['server']);
    expect(container?.readinessProbe?.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(container?.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container?.ports).toEqual([{ name: 'http', containerPort: 5050, protocol: 'TCP' }]);
    expect(container?.resources.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(serverPod.terminationGracePeriodSeconds).toBeGreaterThan(0);
    expect(serverPod.securityContext.runAsNonRoot).toBe(true);

    const worker = find(manifests, 'Deployment', 'ml-mloop-worker');
    expect(worker.spec?.replicas).toBe(2);
    const [workerContainer] = podSpec(worker).containers;
    expect(workerContainer?.image).toBe(container?.image);
    expect(workerContainer?.args).toEqual(['worker', '--concurrency', '4']);
    expect(workerContainer?.envFrom).toEqual(container?.envFrom);

    const pdb = find(manifests, 'PodDisruptionBudget', 'ml-mloop-server');
    expect(pdb.spec?.selector).toEqual((server.spec as { selector: unknown }).selector);
    const service = find(manifests, 'Service', 'ml-mloop');
    expect(service.spec?.selector).toEqual(
      (server.spec as { selector: { matchLabels: unknown } }).selector.matchLabels,
    );
    const ingress = find(manifests, 'Ingress', 'ml-mloop');
    expect(JSON.stringify(ingress.spec)).toContain('"service":{"name":"ml-mloop","port":{"name":"http"}}');
  });

  it('hands the servers and workers PostgreSQL, Redis and S3 settings under the names mloop reads', async () => {
    const { manifests } = await helmTemplate(scaledOut);
    const config = find(manifests, 'ConfigMap', 'ml-mloop').data ?? {};
    const secret = find(manifests, 'Secret', 'ml-mloop').stringData ?? {};
    expect(secret).toEqual({
      MLOOP_DATABASE_URL: 'postgres://mloop:secret@postgres:5432/mloop',
      MLOOP_REDIS_URL: 'redis://redis:6379',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example-secret',
      MLOOP_PII_HASH_KEY: 'a-shared-key',
    });
    expect(config).toMatchObject({
      MLOOP_HOST: '0.0.0.0',
      MLOOP_PORT: '5050',
      MLOOP_ARTIFACT_ROOT: 's3://ml-artifacts/mloop',
      MLOOP_S3_FORCE_PATH_STYLE: 'true',
      AWS_ENDPOINT_URL_S3: 'http://minio:9000',
      MLOOP_ALLOWED_HOSTS: 'mloop.example.com',
    });
    // Every MLOOP_* name is a declared setting: a misspelt one would be silently ignored.
    const declared = new Set(Object.values(settings).map((s) => s.env));
    const names = [...Object.keys(config), ...Object.keys(secret)];
    expect(names.filter((n) => n.startsWith('MLOOP_') && !declared.has(n as `MLOOP_${string}`))).toEqual([]);
    expect(names.filter((n) => !n.startsWith('MLOOP_') && !n.startsWith('AWS_'))).toEqual([]);
  });

  it('migrates the database in a pre-install/pre-upgrade Job before servers roll, from a Secret that exists by then', async () => {
    const { manifests } = await helmTemplate(scaledOut);
    const job = find(manifests, 'Job', 'ml-mloop-migrate') as Manifest & {
      metadata: { annotations: Record<string, string> };
    };
    expect(job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const pod = (job.spec as { template: { spec: PodSpec & { restartPolicy: string } } }).template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const [container] = pod.containers as Array<
      Container & {
        env: Array<{ name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }>;
      }
    >;
    expect(container?.args).toEqual(['migrate']);
    expect(container?.image).toBe(
      podSpec(find(manifests, 'Deployment', 'ml-mloop-server')).containers[0]?.image,
    );
    const url = container?.env.find((e) => e.name === 'MLOOP_DATABASE_URL')?.valueFrom?.secretKeyRef;
    // Hooks run before the release's own objects exist: the Secret it reads is a hook too, made first.
    const secret = find(manifests, 'Secret', url?.name ?? '') as Manifest & {
      metadata: { annotations: Record<string, string> };
    };
    expect(secret.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(Number(secret.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(
      Number(job.metadata.annotations['helm.sh/hook-weight']),
    );
    expect(secret.stringData?.[url?.key ?? '']).toBe('postgres://mloop:secret@postgres:5432/mloop');

    // A Secret the user made exists before the release: the Job reads it directly.
    const own = await helmTemplate(['existingSecret=mloop-settings']);
    const ownJob = find(own.manifests, 'Job', 'ml-mloop-migrate');
    expect(JSON.stringify(ownJob.spec)).toContain(
      '"secretKeyRef":{"name":"mloop-settings","key":"MLOOP_DATABASE_URL"}',
    );
    expect(own.manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    // Without a shared database the server migrates its own SQLite file at start.
    expect((await helmTemplate([])).manifests.filter((m) => m.kind === 'Job')).toEqual([]);
    expect(
      (await helmTemplate([...scaledOut, 'migrations.enabled=false'])).manifests.filter(
        (m) => m.kind === 'Job',
      ),
    ).toEqual([]);
  });

  it('opens the gRPC inference port on the server and the Service when server.grpcPort is set', async () => {
    const { manifests } = await helmTemplate([...scaledOut, 'server.grpcPort=9000', 'service.grpcPort=443']);
    expect(find(manifests, 'ConfigMap', 'ml-mloop').data?.MLOOP_GRPC_PORT).toBe('9000');
    const [container] = podSpec(find(manifests, 'Deployment', 'ml-mloop-server')).containers;
    expect(container?.ports).toContainEqual({ name: 'grpc', containerPort: 9000, protocol: 'TCP' });
    expect(find(manifests, 'Service', 'ml-mloop').spec?.ports).toContainEqual({
      name: 'grpc',
      port: 443,
      targetPort: 'grpc',
      protocol: 'TCP',
    });
    const off = await helmTemplate(scaledOut);
    expect(find(off.manifests, 'ConfigMap', 'ml-mloop').data?.MLOOP_GRPC_PORT).toBeUndefined();
    expect(find(off.manifests, 'Service', 'ml-mloop').spec?.ports).toHaveLength(1);
  });

  it('keeps the embedded default to one server and no worker, and refuses replicas without a shared database', async () => {
    const { manifests } = await helmTemplate([]);
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Secret', 'Service']);
    expect(find(manifests, 'Deployment', 'ml-mloop-server').spec?.strategy).toEqual({ type: 'Recreate' });
    await expect(helmTemplate(['server.replicas=2'])).rejects.toThrow(/needs database\.url/);
  });
});
