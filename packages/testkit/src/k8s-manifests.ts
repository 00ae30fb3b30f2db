import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './test-data.js';

/** One object of a Kubernetes manifest, as parsed; only the fields every object has are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export const K8S_DIR = resolve(repoRoot, 'k8s');
export const K8S_BASE_DIR = resolve(K8S_DIR, 'base');
export const K8S_OVERLAYS_DIR = resolve(K8S_DIR, 'overlays');

/** The ConfigMap holding Redis's configuration and the ACL file template. */
export const REDIS_CONFIG_MAP = 'signal-gateway-redis';

/** Stands for the SHA-256 of the gateway user's password in the ACL template; the Redis container fills it in. */
export const REDIS_PASSWORD_PLACEHOLDER = 'GATEWAY_PASSWORD_SHA256';

/** A Secret kustomize generates from env files (paths relative to the kustomization's folder). */
export interface K8sSecretGenerator {
  name: string;
  envs?: string[];
  literals?: string[];
  files?: string[];
}

interface Kustomization {
  resources?: string[];
  secretGenerator?: K8sSecretGenerator[];
}

const readKustomization = (dir: string) =>
  parseYaml(resolve(dir, 'kustomization.yaml'))[0] as Kustomization | undefined;

/** Every object the kustomization of `dir` deploys from its resources, in their order. */
export function readK8sManifests(dir = K8S_BASE_DIR): K8sObject[] {
  return (readKustomization(dir)?.resources ?? []).flatMap((file) => parseYaml(resolve(dir, file)) as K8sObject[]);
}

/**
 * Every object `kubectl kustomize dir` builds, as `kubectl apply -k` would send them; `dir` is `k8s/base` or any
 * kustomization under `k8s/`. The Secrets' env files are git-ignored, so the build runs on a copy of `k8s/` where
 * each `*.env` is written from its `.env.example` with every value set to `test`.
 */
export function renderK8sKustomization(dir = K8S_BASE_DIR): K8sObject[] {
  const copy = mkdtempSync(join(tmpdir(), 'kustomize-'));
  try {
    cpSync(K8S_DIR, copy, { recursive: true });
    const examples = readdirSync(copy, { recursive: true, encoding: 'utf8' }).filter((file) =>
      file.endsWith('.env.example'),
    );
    for (const example of examples) {
      const text = readFileSync(resolve(copy, example), 'utf8');
      writeFileSync(
        resolve(copy, example.slice(0, -'.example'.length)),
        text.replace(/^([A-Za-z_][A-Za-z0-9_]*)=$/gm, '$1=test'),
      );
    }
    const target = resolve(copy, relative(K8S_DIR, dir));
    const rendered = execFileSync('kubectl', ['kustomize', target], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    return parseYamlText(rendered, `kubectl kustomize ${dir}`) as K8sObject[];
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** The folders of `k8s/overlays`, each a kustomization an operator applies. */
export function k8sOverlayDirs(): string[] {
  return readdirSync(K8S_OVERLAYS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => resolve(K8S_OVERLAYS_DIR, entry.name));
}

/** The Secrets the kustomization of `dir` generates. */
export function readK8sSecretGenerators(dir = K8S_BASE_DIR): K8sSecretGenerator[] {
  return readKustomization(dir)?.secretGenerator ?? [];
}

/** A Kubernetes label selector. */
export interface K8sLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** Whether `selector` selects an object carrying `labels`, as the API server decides it. */
export function k8sSelectorMatches(selector: K8sLabelSelector, labels: Record<string, string>): boolean {
  const labelsMatch = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    labelsMatch &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const value = labels[key];
      if (operator === 'Exists') return value !== undefined;
      if (operator === 'DoesNotExist') return value === undefined;
      const listed = value !== undefined && values.includes(value);
      return operator === 'In' ? listed : !listed;
    })
  );
}

export function findK8sObject(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the manifests`);
  return found;
}

/** A data entry of a ConfigMap (or the `stringData` of a Secret). */
export function k8sDataEntry(object: K8sObject, key: string): string {
  const data = (object.data ?? object.stringData) as Record<string, string> | undefined;
  const value = data?.[key];
  if (value === undefined) throw new Error(`${object.kind} ${object.metadata.name} has no entry ${key}`);
  return value;
}

/**
 * The ACL file the deployed Redis runs with for `password`, built exactly as its container does, so a test
 * Redis enforces the same rules as production.
 */
export function deployedRedisAcl(password: string, objects = readK8sManifests()): string {
  const template = k8sDataEntry(findK8sObject(objects, 'ConfigMap', REDIS_CONFIG_MAP), 'users.acl');
  const digest = createHash('sha256').update(password).digest('hex');
  return template.replaceAll(REDIS_PASSWORD_PLACEHOLDER, digest);
}

function parseYaml(path: string): unknown[] {
  return parseYamlText(readFileSync(path, 'utf8'), path);
}

function parseYamlText(text: string, origin: string): unknown[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) throw new Error(`${origin}: ${document.errors[0]?.message}`);
    return document.toJS() as unknown;
  });
}
