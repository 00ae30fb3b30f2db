import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { CauseReason, type CrdValidator, deepEqual, type ValidationCause } from '../crd-validator.js';
import type { CrdDefinition } from './crd-definition.js';
import { sendJson, sendStatus } from './http-io.js';
import { fieldSelectorValue } from './json-path.js';
import { validateObjectMeta } from './metadata-validation.js';
import { applyJsonPatch, applyMergePatch, PatchError } from './patch.js';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  failure,
  invalid,
  type KubeStatus,
  notFound,
  type ResourceRef,
} from './status.js';
import type { KubeObject, ObjectStore } from './store.js';
import { type IncludeObject, toTable, wantsTable } from './table.js';
import { serveWatch } from './watch-stream.js';

/** One request on the CRD's REST paths, already routed by the server. */
export interface CustomResourceCall {
  method: string;
  /** Undefined on the cluster-wide collection path. */
  namespace: string | undefined;
  name: string | undefined;
  subresource: 'status' | undefined;
  query: URLSearchParams;
  contentType: string;
  accept: string | undefined;
  body: string;
}

export interface CustomResourceHandlerDeps {
  crd: CrdDefinition;
  validator: CrdValidator;
  store: ObjectStore;
  bookmarkIntervalMs: number;
  trackWatch: (end: () => void) => () => void;
}

type Outcome = { code: number; body: unknown } | KubeStatus;

const isStatus = (outcome: Outcome): outcome is KubeStatus => 'kind' in outcome && outcome.kind === 'Status';

const includeObjectOf = (call: CustomResourceCall): IncludeObject =>
  (call.query.get('includeObject') as IncludeObject | null) ?? 'Metadata';

/** RFC 1123 subdomain, the rule the API server applies to custom resource names. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Metadata only the server sets; clients cannot change it through update or patch. */
const SYSTEM_METADATA = ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'namespace', 'name'] as const;

/** RFC 3339 at second precision, the way the API server stamps creationTimestamp. */
const nowSeconds = (): string => `${new Date().toISOString().slice(0, 19)}Z`;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function createCustomResourceHandler(
  deps: CustomResourceHandlerDeps,
): (call: CustomResourceCall, res: ServerResponse) => void {
  const { crd, validator, store } = deps;
  const ref: ResourceRef = { group: crd.group, plural: crd.plural, kind: crd.kind };
  const apiVersion = `${crd.group}/${crd.version}`;
  const knownFields = [
    'metadata.name',
    'metadata.namespace',
    ...crd.selectableFields.map((path) => path.replace(/^\./, '')),
  ];

  const selection = (call: CustomResourceCall): ((obj: KubeObject) => boolean) => {
    const labels = parseLabelSelector(call.query.get('labelSelector'));
    const fields = parseFieldSelector(call.query.get('fieldSelector'), knownFields);
    return (obj) =>
      (call.namespace === undefined || obj.metadata.namespace === call.namespace) &&
      labels(obj.metadata.labels) &&
      fields(Object.fromEntries(knownFields.map((field) => [field, fieldSelectorValue(obj, `.${field}`)])));
  };

  const rejectInvalid = (name: string, causes: ValidationCause[]): KubeStatus | undefined =>
    causes.length > 0 ? invalid(ref, name, causes) : undefined;

  const parseJson = (text: string): { value: unknown } | KubeStatus => {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch (error) {
      return badRequest(`the body of the request was in an unknown format: ${(error as Error).message}`);
    }
  };

  const checkTypeMeta = (obj: Record<string, unknown>): KubeStatus | undefined => {
    if (obj.kind !== undefined && obj.kind !== crd.kind) {
      return badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${crd.kind})`);
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
      return badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
      );
    }
    return undefined;
  };

  const isDryRun = (call: CustomResourceCall): boolean => call.query.getAll('dryRun').includes('All');

  function create(call: CustomResourceCall): Outcome {
    const parsed = parseJson(call.body);
    if ('kind' in parsed) return parsed;
    if (!isObject(parsed.value)) return badRequest('the body must be a JSON object');
    const input = parsed.value;
    const typeProblem = checkTypeMeta(input);
    if (typeProblem) return typeProblem;
    const metadata = isObject(input.metadata) ? { ...input.metadata } : {};
    const namespace = call.namespace ?? '';
    if (metadata.namespace !== undefined && metadata.namespace !== '' && metadata.namespace !== namespace) {
      return badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    let name = typeof metadata.name === 'string' ? metadata.name : '';
    if (name === '' && typeof metadata.generateName === 'string') {
      name = `${metadata.generateName}${randomBytes(4).toString('hex').slice(0, 5)}`;
    }
    if (name === '') {
      return invalid(ref, '', [
        {
          reason: CauseReason.required,
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
      return invalid(ref, name, [
        {
          reason: CauseReason.invalid,
          field: 'metadata.name',
          message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
        },
      ]);
    }
    if (store.get(namespace, name)) return alreadyExists(ref, name);
    // With a status subresource the API server drops status on create; only /status writes it.
    const candidate: Record<string, unknown> = { ...input, apiVersion, kind: crd.kind };
    if (crd.hasStatusSubresource) delete candidate.status;
    const pruned = validator.prune(candidate) as KubeObject;
    const problem = rejectInvalid(name, [...validateObjectMeta(metadata), ...validator.causes(pruned)]);
    if (problem) return problem;
    const stored: KubeObject = {
      ...pruned,
      metadata: {
        ...(metadata as KubeObject['metadata']),
        name,
        namespace,
        uid: randomUUID(),
        generation: 1,
        creationTimestamp: nowSeconds(),
        resourceVersion: '',
      },
    };
    delete stored.metadata.generateName;
    if (isDryRun(call)) return { code: 201, body: stored };
    stored.metadata.resourceVersion = String(store.nextResourceVersion());
    store.record('ADDED', stored);
    return { code: 201, body: stored };
  }

  /** Shared tail of update and patch: keep what the endpoint may not change, validate, store, emit MODIFIED. */
  function write(call: CustomResourceCall, existing: KubeObject, requested: Record<string, unknown>): Outcome {
    const name = existing.metadata.name;
    const requestedMeta = isObject(requested.metadata) ? requested.metadata : {};
    const requestedVersion = requestedMeta.resourceVersion;
    if (
      requestedVersion !== undefined &&
      requestedVersion !== '' &&
      requestedVersion !== existing.metadata.resourceVersion
    ) {
      return conflict(ref, name);
    }
    let candidate: Record<string, unknown>;
    if (call.subresource === 'status') {
      // The status endpoint ignores everything but status, as the API server does for custom resources.
      candidate = { ...existing, status: requested.status };
      if (requested.status === undefined) delete candidate.status;
    } else {
      candidate = { ...requested, apiVersion, kind: crd.kind };
      if (crd.hasStatusSubresource) {
        if (existing.status === undefined) delete candidate.status;
        else candidate.status = existing.status;
      }
      const metadata: Record<string, unknown> = { ...requestedMeta };
      for (const key of SYSTEM_METADATA) {
        if (existing.metadata[key] === undefined) delete metadata[key];
        else metadata[key] = existing.metadata[key];
      }
      candidate.metadata = metadata;
    }
    (candidate.metadata as Record<string, unknown>).resourceVersion = existing.metadata.resourceVersion;
    const pruned = validator.prune(candidate) as KubeObject;
    const problem = rejectInvalid(name, [
      ...validateObjectMeta(pruned.metadata),
      ...validator.causes(pruned, existing),
    ]);
    if (problem) return problem;
    // A write that changes nothing keeps the resourceVersion and emits no event, like the API server.
    if (deepEqual(pruned, existing)) return { code: 200, body: existing };
    if (!deepEqual(pruned.spec, existing.spec)) pruned.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    if (isDryRun(call)) return { code: 200, body: pruned };
    pruned.metadata.resourceVersion = String(store.nextResourceVersion());
    if (pruned.metadata.deletionTimestamp !== undefined && (pruned.metadata.finalizers ?? []).length === 0) {
      store.record('DELETED', pruned);
    } else {
      store.record('MODIFIED', pruned, existing);
    }
    return { code: 200, body: pruned };
  }

  function update(call: CustomResourceCall, existing: KubeObject): Outcome {
    const parsed = parseJson(call.body);
    if ('kind' in parsed) return parsed;
    if (!isObject(parsed.value)) return badRequest('the body must be a JSON object');
    const typeProblem = checkTypeMeta(parsed.value);
    if (typeProblem) return typeProblem;
    const metadata = isObject(parsed.value.metadata) ? parsed.value.metadata : {};
    if (metadata.name !== undefined && metadata.name !== existing.metadata.name) {
      return badRequest(
        `the name of the object (${String(metadata.name)}) does not match the name on the URL (${existing.metadata.name})`,
      );
    }
    // Custom resources do not allow unconditional updates.
    if (metadata.resourceVersion === undefined || metadata.resourceVersion === '') {
      return invalid(ref, existing.metadata.name, [
        {
          reason: CauseReason.invalid,
          field: 'metadata.resourceVersion',
          message: 'Invalid value: 0x0: must be specified for an update',
        },
      ]);
    }
    return write(call, existing, parsed.value);
  }

  function patch(call: CustomResourceCall, existing: KubeObject): Outcome {
    const parsed = parseJson(call.body);
    if ('kind' in parsed) return parsed;
    const mediaType = call.contentType.split(';')[0]?.trim() ?? '';
    let patched: unknown;
    try {
      if (mediaType === 'application/merge-patch+json') patched = applyMergePatch(existing, parsed.value);
      else if (mediaType === 'application/json-patch+json') patched = applyJsonPatch(existing, parsed.value);
      else {
        return failure(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json`,
        );
      }
    } catch (error) {
      if (error instanceof PatchError)
        return failure(
          422,
          'Invalid',
          `the server rejected our request due to an error in our request: ${error.message}`,
        );
      throw error;
    }
    if (!isObject(patched)) return badRequest('the patch did not result in an object');
    return write(call, existing, patched);
  }

  function remove(call: CustomResourceCall, existing: KubeObject): Outcome {
    let deleteOptions: unknown = {};
    if (call.body.trim() !== '') {
      const parsed = parseJson(call.body);
      if ('kind' in parsed) return parsed;
      deleteOptions = parsed.value;
    }
    const preconditions =
      isObject(deleteOptions) && isObject(deleteOptions.preconditions) ? deleteOptions.preconditions : {};
    if (
      preconditions.resourceVersion !== undefined &&
      preconditions.resourceVersion !== existing.metadata.resourceVersion
    ) {
      return conflict(
        ref,
        existing.metadata.name,
        `the ResourceVersion in the precondition (${String(preconditions.resourceVersion)}) does not match the ResourceVersion in record (${existing.metadata.resourceVersion}). The object might have been modified`,
      );
    }
    if (preconditions.uid !== undefined && preconditions.uid !== existing.metadata.uid) {
      return conflict(
        ref,
        existing.metadata.name,
        `the UID in the precondition (${String(preconditions.uid)}) does not match the UID in record (${existing.metadata.uid}). The object might have been deleted and then recreated`,
      );
    }
    if (isDryRun(call)) return { code: 200, body: existing };
    const next: KubeObject = structuredClone(existing);
    next.metadata.resourceVersion = String(store.nextResourceVersion());
    // Finalizers hold the object (deletionTimestamp set) until a later update clears them.
    if ((existing.metadata.finalizers ?? []).length > 0) {
      if (existing.metadata.deletionTimestamp !== undefined) return { code: 200, body: existing };
      next.metadata.deletionTimestamp = nowSeconds();
      store.record('MODIFIED', next, existing);
      return { code: 200, body: next };
    }
    store.record('DELETED', next);
    return { code: 200, body: next };
  }

  function list(call: CustomResourceCall, res: ServerResponse): Outcome | undefined {
    const matches = selection(call);
    if (call.query.get('watch') === 'true' || call.query.get('watch') === '1') {
      const timeout = call.query.get('timeoutSeconds');
      const bookmarks = call.query.get('allowWatchBookmarks') === 'true';
      serveWatch(res, {
        store,
        matches,
        resourceVersion: call.query.get('resourceVersion'),
        timeoutSeconds: timeout === null ? undefined : Number(timeout),
        bookmarkIntervalMs: bookmarks ? deps.bookmarkIntervalMs : undefined,
        bookmarkTemplate: { apiVersion, kind: crd.kind },
        track: deps.trackWatch,
        ...(wantsTable(call.accept)
          ? {
              render: (obj: KubeObject, first: boolean) =>
                toTable([obj], crd, obj.metadata.resourceVersion ?? '', includeObjectOf(call), first),
            }
          : {}),
      });
      return undefined;
    }
    const page = paginate(store.list(call.namespace).filter(matches), call.query);
    if ('code' in page) return page;
    const { items, more } = page;
    const resourceVersion = String(store.currentResourceVersion());
    if (wantsTable(call.accept)) {
      return {
        code: 200,
        body: toTable(items, crd, resourceVersion, includeObjectOf(call)),
      };
    }
    return {
      code: 200,
      body: { apiVersion, kind: crd.listKind, metadata: { resourceVersion, ...more }, items },
    };
  }

  function deleteCollection(call: CustomResourceCall): Outcome {
    const matches = selection(call);
    const deleted = store
      .list(call.namespace)
      .filter(matches)
      .map((existing) => remove({ ...call, body: '' }, existing));
    const items = deleted.flatMap((outcome) => (isStatus(outcome) ? [] : [outcome.body]));
    return {
      code: 200,
      body: {
        apiVersion,
        kind: crd.listKind,
        metadata: { resourceVersion: String(store.currentResourceVersion()) },
        items,
      },
    };
  }

  function dispatch(call: CustomResourceCall, res: ServerResponse): Outcome | undefined {
    if (call.name === undefined) {
      if (call.method === 'GET') return list(call, res);
      if (call.method === 'POST' && call.namespace !== undefined) return create(call);
      if (call.method === 'DELETE' && call.namespace !== undefined) return deleteCollection(call);
      return failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
    const existing = store.get(call.namespace ?? '', call.name);
    if (!existing) return notFound(ref, call.name);
    switch (call.method) {
      case 'GET':
        if (wantsTable(call.accept)) {
          return {
            code: 200,
            body: toTable([existing], crd, existing.metadata.resourceVersion ?? '', includeObjectOf(call)),
          };
        }
        return { code: 200, body: existing };
      case 'PUT':
        return update(call, existing);
      case 'PATCH':
        return patch(call, existing);
      case 'DELETE':
        return call.subresource
          ? failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
          : remove(call, existing);
      default:
        return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }

  return (call, res) => {
    let outcome: Outcome | undefined;
    try {
      outcome = dispatch(call, res);
    } catch (error) {
      if (!(error instanceof SelectorError)) throw error;
      outcome = badRequest(error.message);
    }
    if (outcome === undefined) return;
    if (isStatus(outcome)) sendStatus(res, outcome);
    else sendJson(res, outcome.code, outcome.body);
  };
}

interface Page {
  items: KubeObject[];
  more: { continue?: string; remainingItemCount?: number };
}

/**
 * `limit` and `continue` as the API server serves them: items in namespace/name order, a continue token that
 * resumes after the last returned item, and `remainingItemCount` while more are left.
 */
function paginate(all: KubeObject[], query: URLSearchParams): Page | KubeStatus {
  const keyOf = (obj: KubeObject): string => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  const sorted = [...all].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const token = query.get('continue');
  let after: string | undefined;
  if (token) {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (!after.includes('/'))
      return badRequest(`continue token ${JSON.stringify(token)} is not one this server issued`);
  }
  const rest = after === undefined ? sorted : sorted.filter((obj) => keyOf(obj) > after);
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? 0 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 0) return badRequest(`limit must be a non-negative integer, got ${rawLimit}`);
  if (limit === 0 || rest.length <= limit) return { items: rest, more: {} };
  const items = rest.slice(0, limit);
  return {
    items,
    more: {
      continue: Buffer.from(keyOf(items.at(-1)!), 'utf8').toString('base64url'),
      remainingItemCount: rest.length - limit,
    },
  };
}
