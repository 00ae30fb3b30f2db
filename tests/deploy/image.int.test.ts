import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  type DataStorageStub,
  findK8sObject,
  k8sDataEntry,
  readK8sManifests,
  repoRoot,
  startDataStorageStub,
  waitFor,
} from '@gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerWebhook, podRrName, postWebhook } from '../support/alerts.js';
import {
  type DockerStage,
  execForm,
  instructions,
  labels,
  parseCopy,
  parseDockerfile,
  runCommands,
  stageArgs,
} from '../support/dockerfile.js';
import { type GatewayFixture, RR_NAMESPACE, startGatewayFixture } from '../support/gateway-fixture.js';

// No container engine runs on development machines, so the image is checked in two halves: the Dockerfile says
// what the image holds and runs, and the same `pnpm deploy` steps, run here, produce that content and start.

const APPS = ['ingress', 'worker'] as const;
type App = (typeof APPS)[number];

const dockerfile = parseDockerfile(readFileSync(resolve(repoRoot, 'Dockerfile'), 'utf8'));
const buildStage = dockerfile.stages.find((stage) => stage.name === 'build') as DockerStage;
const runtimeStage = dockerfile.stages.at(-1) as DockerStage;

interface DeployStep {
  filter: string;
  target: string;
  flags: string[];
}
const deploySteps: DeployStep[] = runCommands(buildStage)
  .filter((command) => command.startsWith('pnpm deploy '))
  .map((command) => {
    const words = command.split(/\s+/).slice(2);
    return {
      filter: words[words.indexOf('--filter') + 1] ?? '',
      target: words.at(-1) ?? '',
      flags: words.filter((word) => word.startsWith('--') && word !== '--filter'),
    };
  });
// The one folder every deploy writes below; the runtime stage copies it whole.
const outDir = dirname(dirname(deploySteps[0]?.target ?? ''));
// The test runs this RUN as written, so every deploy step must be in it.
const deployRuns = instructions(buildStage, 'RUN').filter((run) => run.includes('pnpm deploy '));

const toolchain = readFileSync(resolve(repoRoot, 'scripts/lib/toolchain.sh'), 'utf8');
const pinned = (name: string): string =>
  new RegExp(`${name}="\\$\\{GATEWAY_${name}:-([^}]+)\\}"`).exec(toolchain)?.[1] ?? `no ${name} in toolchain.sh`;

const k8sObjects = readK8sManifests();
interface PodSpec {
  securityContext?: { runAsUser?: number };
  containers: { command?: string[]; args?: string[] }[];
}
const podSpec = (app: App): PodSpec =>
  (findK8sObject(k8sObjects, 'Deployment', `signal-gateway-${app}`).spec as { template: { spec: PodSpec } }).template
    .spec;
const k8sCommand = (app: App): string[] => {
  const [container] = podSpec(app).containers;
  return [...(container?.command ?? []), ...(container?.args ?? [])];
};

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const workspaceManifests = (): Manifest[] =>
  ['apps', 'packages']
    .flatMap((folder) => readdirSync(resolve(repoRoot, folder)).map((name) => resolve(repoRoot, folder, name)))
    .concat(resolve(repoRoot, 'tests'), repoRoot)
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => readJson<Manifest>(join(dir, 'package.json')));

/** The app and the workspace packages its production dependencies reach. */
function productionClosure(app: App, manifests: readonly Manifest[]): Manifest[] {
  const byName = new Map(manifests.map((manifest) => [manifest.name, manifest]));
  const closure = new Map<string, Manifest>();
  const visit = (name: string): void => {
    const manifest = byName.get(name);
    if (!manifest || closure.has(name)) return;
    closure.set(name, manifest);
    for (const [dependency, spec] of Object.entries(manifest.dependencies ?? {})) {
      if (spec.startsWith('workspace:')) visit(dependency);
    }
  };
  visit(`@gateway/${app}`);
  return [...closure.values()];
}

/** Every file and folder below `dir` (relative paths), symlinks listed but not followed. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    const here = relative(base, path);
    return entry.isDirectory() && !entry.isSymbolicLink() ? [here, ...walk(path, base)] : [here];
  });
}

interface InstalledManifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  /** An optional peer may be named here only; pnpm still installs it when another package brings it. */
  peerDependenciesMeta?: Record<string, unknown>;
}

/**
 * The packages of a deployed node_modules, each with the names it depends on (all its installed versions merged):
 * pnpm keeps each real copy under `.pnpm/<id>/node_modules/<name>`, beside symlinks to its dependencies.
 */
function installedPackages(appDir: string): Map<string, Set<string>> {
  const store = join(appDir, 'node_modules', '.pnpm');
  const installed = new Map<string, Set<string>>();
  for (const id of readdirSync(store, { withFileTypes: true })) {
    if (!id.isDirectory() || id.name === 'node_modules') continue;
    const modules = join(store, id.name, 'node_modules');
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      const candidates = entry.name.startsWith('@')
        ? readdirSync(join(modules, entry.name), { withFileTypes: true }).map((inner) => ({
            name: `${entry.name}/${inner.name}`,
            real: inner.isDirectory(),
          }))
        : [{ name: entry.name, real: entry.isDirectory() }];
      for (const { name, real } of candidates) {
        if (!real) continue;
        const manifest = readJson<InstalledManifest>(join(modules, name, 'package.json'));
        const needs = installed.get(name) ?? new Set<string>();
        const fields = [
          manifest.dependencies,
          manifest.optionalDependencies,
          manifest.peerDependencies,
          manifest.peerDependenciesMeta,
        ];
        for (const field of fields) {
          for (const dependency of Object.keys(field ?? {})) needs.add(dependency);
        }
        installed.set(name, needs);
      }
    }
  }
  return installed;
}

/** Names reachable from `roots` through the installed packages' dependencies. */
function reachable(roots: Iterable<string>, installed: ReadonlyMap<string, Set<string>>): Set<string> {
  const seen = new Set<string>();
  const pending = [...roots];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (seen.has(name)) continue;
    seen.add(name);
    pending.push(...(installed.get(name) ?? []));
  }
  return seen;
}

/** pnpm from the toolchain scripts/lib/toolchain.sh installs, else the one on PATH; node beside it either way. */
function deployEnv(): NodeJS.ProcessEnv {
  const path = [resolve(repoRoot, '.tools/pnpm/node_modules/.bin'), dirname(process.execPath), process.env.PATH ?? ''];
  return { ...process.env, PATH: path.join(delimiter) };
}

describe('container image', () => {
  describe('Dockerfile', () => {
    it('builds with the pinned Node.js and pnpm, installs from the lockfile, then deploys each app for production', () => {
      expect(dockerfile.globalArgs.get('NODE_VERSION')).toBe(pinned('NODE_VERSION'));
      expect(dockerfile.globalArgs.get('PNPM_VERSION')).toBe(pinned('PNPM_VERSION'));
      expect(buildStage.from).toBe(`node:${pinned('NODE_VERSION')}`);
      const commands = runCommands(buildStage);
      expect(
        commands.filter((command) => /^npm install --global .*"pnpm@\$\{PNPM_VERSION\}"$/.test(command)),
      ).toHaveLength(1);
      expect(stageArgs(dockerfile, buildStage).get('PNPM_VERSION')).toBe(pinned('PNPM_VERSION'));
      const position = (predicate: (command: string) => boolean): number => commands.findIndex(predicate);
      const install = position((command) => /^pnpm install\b.*--frozen-lockfile/.test(command));
      const build = position((command) => command === 'pnpm build');
      const firstDeploy = position((command) => command.startsWith('pnpm deploy '));
      expect(install).toBeGreaterThan(-1);
      expect(build).toBeGreaterThan(install);
      expect(firstDeploy).toBeGreaterThan(build);

      expect(deployRuns).toHaveLength(1);
      expect(deploySteps.map((step) => step.filter)).toEqual(APPS.map((app) => `@gateway/${app}`));
      for (const [i, app] of APPS.entries()) {
        expect([...(deploySteps[i]?.flags ?? [])].sort()).toEqual(['--prefer-offline', '--prod']);
        expect(deploySteps[i]?.target).toBe(`${outDir}/apps/${app}`);
      }
      // Group 0 and everyone else read the deploy output; nobody but its owner (root) may change it.
      expect(commands).toContain(`chmod -R u=rwX,go=rX ${outDir}`);
    });

    it('runs as a non-root numeric user from the deploy output only, with the commands k8s/base runs', () => {
      expect(runtimeStage.from).toBe(`node:${pinned('NODE_VERSION')}-slim`);
      expect(instructions(runtimeStage, 'ADD')).toEqual([]);
      const copies = instructions(runtimeStage, 'COPY').map(parseCopy);
      expect(copies).toHaveLength(1);
      const [copy] = copies;
      expect(copy?.flags).toEqual(new Map([['from', 'build']]));
      expect(copy?.sources).toEqual([outDir]);
      expect(instructions(runtimeStage, 'WORKDIR')).toEqual([copy?.destination]);

      const users = instructions(runtimeStage, 'USER');
      expect(users).toHaveLength(1);
      const [uid, gid] = (users[0] ?? '').split(':');
      expect(uid).toMatch(/^[1-9]\d*$/);
      expect(gid).toBe('0');
      for (const app of APPS) expect(podSpec(app).securityContext, app).toMatchObject({ runAsUser: Number(uid) });

      const entrypoint = execForm(runtimeStage, 'ENTRYPOINT');
      expect([...entrypoint, ...execForm(runtimeStage, 'CMD')]).toEqual(k8sCommand('ingress'));
      for (const app of APPS) {
        // The script, relative to WORKDIR, lies in what the app's deploy step wrote below the copied folder.
        expect(k8sCommand(app), app).toEqual([...entrypoint, `apps/${app}/dist/main.js`]);
      }
    });

    it('labels the image with the OCI annotations, the version being the apps version', () => {
      const found = labels(runtimeStage, stageArgs(dockerfile, runtimeStage));
      const version = readJson<{ version: string }>(resolve(repoRoot, 'apps/ingress/package.json')).version;
      expect(found.get('org.opencontainers.image.version')).toBe(version);
      expect(found.get('org.opencontainers.image.base.name')).toBe(runtimeStage.from);
      for (const key of ['title', 'description', 'revision', 'created', 'source']) {
        expect(found.get(`org.opencontainers.image.${key}`), key).toBeTruthy();
      }
    });

    it('keeps everything .gitignore ignores, local credentials included, out of the build context', () => {
      const lines = (file: string) =>
        readFileSync(resolve(repoRoot, file), 'utf8')
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '' && !line.startsWith('#'));
      const ignored = new Set(lines('.dockerignore'));
      expect(ignored).toContain('.git');
      for (const pattern of lines('.gitignore')) {
        const bare = pattern.replace(/\/$/, '');
        // A .gitignore pattern without a slash matches at any depth; a .dockerignore pattern only from the root.
        expect(ignored, pattern).toContain(bare.includes('/') ? bare : `**/${bare}`);
      }
    });
  });

  describe('deploy output', () => {
    let temp: string | undefined;
    // What the runtime stage copies to WORKDIR: the Dockerfile's output folder, moved into the temp folder.
    let root = '';
    let unavailable: string | undefined;

    beforeAll(async () => {
      for (const app of APPS) {
        if (!existsSync(resolve(repoRoot, 'apps', app, 'dist', 'main.js'))) {
          throw new Error(`apps/${app}/dist/main.js is missing: build first (pnpm build), as the Dockerfile does`);
        }
      }
      temp = await mkdtemp(join(tmpdir(), 'gateway-image-'));
      root = join(temp, 'app');
      const script = (deployRuns[0] ?? '')
        .split(/(\s+)/)
        .map((word) =>
          word === outDir || word.startsWith(`${outDir}/`) ? `${root}${word.slice(outDir.length)}` : word,
        )
        .join('');
      try {
        await promisify(execFile)('/bin/sh', ['-c', script], { cwd: repoRoot, env: deployEnv(), timeout: 60_000 });
      } catch (err) {
        const { stdout = '', stderr = '', code } = err as { stdout?: string; stderr?: string; code?: number };
        const output = `${stdout}${stderr}`;
        if (/ERR_PNPM_(META_FETCH_FAIL|FETCH_)|ENOTFOUND|EAI_AGAIN/.test(output)) {
          unavailable = 'pnpm deploy cannot reach the npm registry for package metadata the store does not hold';
        } else if (code === 127) {
          unavailable = 'pnpm deploy cannot run: no pnpm on PATH or in .tools (scripts/test installs it)';
        } else {
          throw new Error(`${script}\nfailed (${code}):\n${output}`);
        }
      }
    }, 90_000);

    afterAll(async () => {
      if (temp) await rm(temp, { recursive: true, force: true });
    });

    it('holds each app with its production dependencies only, compiled, readable by any UID', ({ skip }) => {
      skip(unavailable !== undefined, unavailable);
      const manifests = workspaceManifests();
      for (const app of APPS) {
        const dir = join(root, 'apps', app);
        const closure = productionClosure(app, manifests);
        const production = new Set(closure.flatMap((manifest) => Object.keys(manifest.dependencies ?? {})));
        const installed = installedPackages(dir);
        expect(
          [...production].filter((name) => !installed.has(name)),
          `${app}: missing`,
        ).toEqual([]);
        // Whatever is installed is there because a production dependency needs it, directly or not.
        const needed = reachable(production, installed);
        expect(
          [...installed.keys()].filter((name) => !needed.has(name)),
          `${app}: not needed`,
        ).toEqual([]);
        const tooling = ['vitest', 'typescript', '@biomejs/biome', '@gateway/testkit', '@gateway/system-tests'];
        expect(
          tooling.filter((name) => installed.has(name)),
          app,
        ).toEqual([]);
        expect(readJson<Manifest>(join(dir, 'package.json')).devDependencies ?? {}).toEqual({});

        // The workspace's own code ships as JavaScript only: no sources, test helpers or build state.
        const ownCode = (packageDir: string) => walk(packageDir).filter((path) => !path.startsWith('node_modules'));
        const ownFiles = [
          ...ownCode(dir),
          ...closure
            .filter((manifest) => manifest.name !== `@gateway/${app}`)
            .flatMap((manifest) =>
              ownCode(join(dir, 'node_modules', manifest.name)).map((path) => `${manifest.name}/${path}`),
            ),
        ];
        expect(ownFiles).toContain('dist/main.js');
        expect(
          ownFiles.filter((path) => /(^|\/)(src|testing)(\/|$)|(?<!\.d)\.ts$|\.tsbuildinfo$/.test(path)),
          app,
        ).toEqual([]);
      }

      const badModes = walk(root).filter((path) => {
        const stat = lstatSync(join(root, path));
        if (stat.isSymbolicLink()) return false;
        const readable = stat.isDirectory() ? 0o055 : 0o044;
        return (stat.mode & readable) !== readable || (stat.mode & 0o022) !== 0;
      });
      expect(badModes).toEqual([]);
    });

    describe('both apps started from it', () => {
      let stub: DataStorageStub | undefined;
      let fx: GatewayFixture | undefined;

      afterAll(async () => {
        await fx?.close();
        await stub?.close();
      });

      it('become ready with the k8s/base environment, accept an alert, create its RR and write no file', async ({
        skip,
        onTestFailed,
      }) => {
        skip(unavailable !== undefined, unavailable);
        let logs = (): string => 'the apps did not start';
        onTestFailed(() => console.error(logs()));
        // The file k8s/base mounts at /etc/gateway/config.yaml, outside the deploy output as in the pod.
        const config = join(temp as string, 'config.yaml');
        await writeFile(
          config,
          k8sDataEntry(findK8sObject(k8sObjects, 'ConfigMap', 'signal-gateway-config'), 'config.yaml'),
        );
        const before = walk(root);
        stub = await startDataStorageStub();
        // The harness runs `<root>/apps/<app>/dist/main.js` with `<root>` as working directory, as WORKDIR does.
        const running = await startGatewayFixture({
          stack: {
            root,
            dataStorageUrl: stub.url,
            remediationNamespace: RR_NAMESPACE,
            env: { ingress: { GATEWAY_CONFIG: config }, worker: { GATEWAY_CONFIG: config } },
          },
        });
        fx = running;
        logs = () => running.stack.logs();

        const alert = { alertname: 'ImageSmoke', namespace: 'shop', pod: 'web-0' };
        const response = await postWebhook(
          running.stack.ingressUrl,
          running.stack.token,
          alertmanagerWebhook([{ ...alert, startsAt: new Date().toISOString() }]),
        );
        expect(response.status).toBe(202);
        await running.waitForCount(podRrName(alert.alertname, alert.namespace, alert.pod), 1);
        await waitFor(() => (stub?.events().length ?? 0) > 0, { timeoutMs: 20_000, description: 'audit events' });

        await running.stack.stop();
        // With DATA_STORAGE_URL set, as in k8s/base, neither app writes a file: a read-only root filesystem holds.
        expect(walk(root)).toEqual(before);
      });
    });
  });
});
