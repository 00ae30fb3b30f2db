/**
 * The kube sandbox: an in-memory Kubernetes API server on 127.0.0.1 for tests and local runs. It is test and
 * development tooling, NOT product code: no persistence, no authorization, one CRD plus the few built-in
 * endpoints the gateway and kubectl touch. It speaks enough of the REST API for @kubernetes/client-node 2
 * (CustomObjectsApi, Watch, informers) and kubectl (discovery, Tables, get/describe).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createCrdValidator } from '../crd-validator.js';
import { type CrdDefinition, parseCrdDefinition, projectCrdPath } from './crd-definition.js';
import { createCustomResourceHandler } from './custom-resource-handler.js';
import { coreVersions, groupDocument, groupList, resourceList, SEEDED_KINDS, versionInfo } from './discovery.js';
import { createFaultController, type FaultSettings, type SandboxRequestInfo } from './faults.js';
import { readBody, sendJson, sendStatus } from './http-io.js';
import { kubeconfigYaml, writeKubeconfigFile } from './kubeconfig.js';
import { openApiGroupVersion, openApiRoot } from './openapi.js';
import { badRequest, failure, injectedFailure, notFound } from './status.js';
import { createObjectStore, type KubeObject } from './store.js';

export interface TokenReviewUser {
  username: string;
  uid?: string;
  groups?: string[];
}

export interface KubeSandboxOptions {
  /** 0 (default) picks a free port; stop()/start() keep whichever port was bound first. */
  port?: number;
  host?: string;
  /** CRD served and validated against; default: the project's k8s/crds file. */
  crdYaml?: string;
  /** Added to every response, on top of injected fault latency. */
  latencyMs?: number;
  /** Watch events kept for resuming watches; older resourceVersions get 410 Gone. */
  historyLimit?: number;
  /** How often a watch with allowWatchBookmarks gets a BOOKMARK. */
  bookmarkIntervalMs?: number;
  /** TokenReview answers: token → user. Unknown tokens are reported unauthenticated. */
  tokenReviews?: Record<string, TokenReviewUser>;
  /** When set, requests must carry `Authorization: Bearer <apiToken>` or get 401. */
  apiToken?: string;
  /** Random source for fault error rates (deterministic tests). */
  random?: () => number;
}

export type RecordedRequest = SandboxRequestInfo;

export type RequestFilter = ((req: RecordedRequest) => boolean) | { method?: string; path?: string | RegExp };

export interface KubeSandbox {
  readonly url: string;
  readonly port: number;
  readonly crd: CrdDefinition;
  readonly faults: { set(settings: FaultSettings): void; clear(): void };
  /** Deep copies of stored custom resources, optionally of one namespace. */
  objects(namespace?: string): KubeObject[];
  object(namespace: string, name: string): KubeObject | undefined;
  requestCount(filter?: RequestFilter): number;
  requests(): RecordedRequest[];
  clearRequestLog(): void;
  writeKubeconfig(path: string, namespace?: string): string;
  kubeconfig(namespace?: string): string;
  /** Ends every open watch stream cleanly, as an API server does at its watch timeout. */
  dropWatches(): void;
  openWatchCount(): number;
  /** Forgets watch history: resuming from any earlier resourceVersion now gets 410 Gone. */
  compactHistory(): void;
  /** Adds a read-only built-in object (Pod, ReplicaSet, Deployment, …) for owner-chain lookups. */
  seedObject(obj: KubeObject): KubeObject;
  setTokenReview(token: string, user: TokenReviewUser | undefined): void;
  /** Simulates an API server going down: closes the listener and every connection, keeps the store. */
  stop(): Promise<void>;
  /** Brings the API back on the same port with the same store. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kubernaut-system'];

const CRD_PATH = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?(?:\/(status))?$/;
const CORE_PATH = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?$/;

function matchesFilter(req: RecordedRequest, filter: RequestFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'function') return filter(req);
  if (filter.method !== undefined && filter.method.toUpperCase() !== req.method) return false;
  if (filter.path === undefined) return true;
  return typeof filter.path === 'string' ? req.path === filter.path : filter.path.test(req.path);
}

export async function startKubeSandbox(options: KubeSandboxOptions = {}): Promise<KubeSandbox> {
  const host = options.host ?? '127.0.0.1';
  const crdYaml = options.crdYaml ?? readFileSync(projectCrdPath(), 'utf8');
  const crd = parseCrdDefinition(crdYaml);
  const validator = createCrdValidator(crdYaml, crd.version);
  const store = createObjectStore(options.historyLimit ?? 1000);
  const faults = createFaultController(options.latencyMs ?? 0, options.random);
  const tokens = new Map(Object.entries(options.tokenReviews ?? {}));
  const seeded = new Map<string, KubeObject>();
  const watches = new Set<() => void>();
  const log: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let port = options.port ?? 0;
  let server: Server | undefined;

  const trackWatch = (end: () => void): (() => void) => {
    watches.add(end);
    return () => watches.delete(end);
  };
  const handleCustomResource = createCustomResourceHandler({
    crd,
    validator,
    store,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
    trackWatch,
  });
  const seededKey = (groupVersion: string, plural: string, namespace: string, name: string): string =>
    `${groupVersion}/${plural}/${namespace}/${name}`;

  function serveSeeded(
    res: ServerResponse,
    groupVersion: string,
    plural: string,
    namespace: string | undefined,
    name: string | undefined,
  ): void {
    const kind = SEEDED_KINDS.find((k) => k.groupVersion === groupVersion && k.plural === plural);
    if (!kind) {
      sendStatus(res, failure(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    if (name !== undefined) {
      const found = seeded.get(seededKey(groupVersion, plural, namespace ?? '', name));
      const group = groupVersion.includes('/') ? (groupVersion.split('/')[0] ?? '') : '';
      if (found) sendJson(res, 200, found);
      else sendStatus(res, notFound({ group, plural, kind: kind.kind }, name));
      return;
    }
    const items = [...seeded.entries()]
      .filter(([key]) => key.startsWith(`${groupVersion}/${plural}/${namespace === undefined ? '' : `${namespace}/`}`))
      .map(([, obj]) => obj);
    sendJson(res, 200, {
      apiVersion: groupVersion,
      kind: `${kind.kind}List`,
      metadata: { resourceVersion: String(store.currentResourceVersion()) },
      items,
    });
  }

  function serveCore(res: ServerResponse, method: string, path: string): boolean {
    const core = CORE_PATH.exec(path);
    if (!core || method !== 'GET') return false;
    const [, namespace, resource, name] = core;
    if (resource === 'namespaces' && namespace === undefined) {
      const names = new Set([...DEFAULT_NAMESPACES, ...store.list().map((o) => o.metadata.namespace ?? '')]);
      if (name !== undefined) {
        sendJson(res, 200, { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } });
      } else {
        const items = [...names]
          .filter((n) => n !== '')
          .map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n }, status: { phase: 'Active' } }));
        sendJson(res, 200, {
          apiVersion: 'v1',
          kind: 'NamespaceList',
          metadata: { resourceVersion: String(store.currentResourceVersion()) },
          items,
        });
      }
      return true;
    }
    if (resource === 'events' && name === undefined) {
      // No events are recorded; kubectl describe lists them and needs an empty list, not an error.
      sendJson(res, 200, {
        apiVersion: 'v1',
        kind: 'EventList',
        metadata: { resourceVersion: String(store.currentResourceVersion()) },
        items: [],
      });
      return true;
    }
    if (resource !== undefined) {
      serveSeeded(res, 'v1', resource, namespace, name);
      return true;
    }
    return false;
  }

  function serveTokenReview(res: ServerResponse, body: string): void {
    let review: { spec?: { token?: string; audiences?: string[] } };
    try {
      review = JSON.parse(body) as typeof review;
    } catch {
      sendStatus(res, badRequest('the body of the request was in an unknown format'));
      return;
    }
    const user = tokens.get(review.spec?.token ?? '');
    const status = user
      ? {
          authenticated: true,
          user: { username: user.username, uid: user.uid ?? randomUUID(), groups: user.groups ?? [] },
          audiences: review.spec?.audiences ?? [],
        }
      : { authenticated: false, error: 'invalid bearer token' };
    sendJson(res, 201, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: { creationTimestamp: null },
      spec: review.spec ?? {},
      status,
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const serverAddress = `${host}:${port}`;
    if (method === 'GET') {
      if (path === '/version') return sendJson(res, 200, versionInfo());
      // Plain discovery documents even when the Accept header asks for aggregated discovery: clients fall back.
      if (path === '/api') return sendJson(res, 200, coreVersions(serverAddress));
      if (path === '/apis') return sendJson(res, 200, groupList(crd));
      if (path === '/openapi/v3') return sendJson(res, 200, openApiRoot(crd));
      if (path === `/openapi/v3/apis/${crd.group}/${crd.version}`)
        return sendJson(res, 200, openApiGroupVersion(crd, validator.schema));
      const groupOnly = /^\/apis\/([^/]+)$/.exec(path);
      if (groupOnly?.[1]) {
        const doc = groupDocument(groupOnly[1], crd);
        return doc
          ? sendJson(res, 200, doc)
          : sendStatus(res, failure(404, 'NotFound', 'the server could not find the requested resource'));
      }
      const groupVersion = path === '/api/v1' ? 'v1' : /^\/apis\/([^/]+\/[^/]+)$/.exec(path)?.[1];
      if (groupVersion) {
        const doc = resourceList(groupVersion, crd);
        return doc
          ? sendJson(res, 200, doc)
          : sendStatus(res, failure(404, 'NotFound', 'the server could not find the requested resource'));
      }
    }
    if (path.startsWith('/api/v1/') && serveCore(res, method, path)) return;
    if (method === 'POST' && path === '/apis/authentication.k8s.io/v1/tokenreviews')
      return serveTokenReview(res, await readBody(req));

    const crdMatch = CRD_PATH.exec(path);
    if (crdMatch) {
      const [, group, version, namespace, plural, name, subresource] = crdMatch;
      if (group === crd.group && version === crd.version && plural === crd.plural) {
        if (subresource === 'status' && !crd.hasStatusSubresource)
          return sendStatus(res, failure(404, 'NotFound', 'the server could not find the requested resource'));
        return handleCustomResource(
          {
            method,
            namespace,
            name,
            subresource: subresource === 'status' ? 'status' : undefined,
            query: url.searchParams,
            contentType: req.headers['content-type'] ?? 'application/json',
            accept: req.headers.accept,
            body: method === 'GET' ? '' : await readBody(req),
          },
          res,
        );
      }
      if (method === 'GET' && group !== undefined && version !== undefined && plural !== undefined && !subresource) {
        return serveSeeded(res, `${group}/${version}`, plural, namespace, name);
      }
    }
    sendStatus(res, failure(404, 'NotFound', 'the server could not find the requested resource'));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const info: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.search };
    log.push(info);
    const decision = faults.decide(info);
    if (decision.delayMs > 0) await delay(decision.delayMs);
    if (decision.action === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (decision.action === 'error')
      return sendStatus(res, injectedFailure(decision.status, decision.retryAfterSeconds));
    if (options.apiToken !== undefined && req.headers.authorization !== `Bearer ${options.apiToken}`) {
      return sendStatus(res, failure(401, 'Unauthorized', 'Unauthorized'));
    }
    await route(req, res, url);
  }

  const start = async (): Promise<void> => {
    if (server) return;
    const next = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (res.headersSent) res.destroy();
        else sendStatus(res, failure(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`));
      });
    });
    next.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, host, () => {
        next.off('error', reject);
        resolve();
      });
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };

  const stop = async (): Promise<void> => {
    const current = server;
    if (!current) return;
    server = undefined;
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    // Abrupt on purpose: clients see dropped connections, as when a real API server process dies.
    for (const socket of sockets) socket.destroy();
    for (const end of [...watches]) end();
    await closed;
  };

  await start();
  const url = (): string => `http://${host}:${port}`;

  return {
    get url() {
      return url();
    },
    get port() {
      return port;
    },
    crd,
    faults: { set: (settings) => faults.set(settings), clear: () => faults.clear() },
    objects: (namespace) => structuredClone(store.list(namespace)),
    object: (namespace, name) => {
      const found = store.get(namespace, name);
      return found ? structuredClone(found) : undefined;
    },
    requestCount: (filter) => log.filter((req) => matchesFilter(req, filter)).length,
    requests: () => log.map((req) => ({ ...req })),
    clearRequestLog: () => {
      log.length = 0;
    },
    writeKubeconfig(path, namespace = 'kubernaut-system') {
      return writeKubeconfigFile(path, url(), namespace, options.apiToken);
    },
    kubeconfig(namespace = 'kubernaut-system') {
      return kubeconfigYaml(url(), namespace, options.apiToken);
    },
    dropWatches: () => {
      for (const end of [...watches]) end();
    },
    openWatchCount: () => watches.size,
    compactHistory: () => store.compact(),
    seedObject(obj) {
      const apiVersion = obj.apiVersion ?? 'v1';
      const kind = SEEDED_KINDS.find((k) => k.groupVersion === apiVersion && k.kind === obj.kind);
      if (!kind)
        throw new Error(
          `kube sandbox cannot seed ${apiVersion} ${String(obj.kind)}; supported: ${SEEDED_KINDS.map((k) => k.kind).join(', ')}`,
        );
      const stored: KubeObject = structuredClone(obj);
      stored.metadata.uid ??= randomUUID();
      stored.metadata.resourceVersion = String(store.nextResourceVersion());
      stored.metadata.creationTimestamp ??= `${new Date().toISOString().slice(0, 19)}Z`;
      seeded.set(seededKey(apiVersion, kind.plural, stored.metadata.namespace ?? '', stored.metadata.name), stored);
      return structuredClone(stored);
    },
    setTokenReview: (token, user) => {
      if (user) tokens.set(token, user);
      else tokens.delete(token);
    },
    stop,
    start,
    close: stop,
  };
}
