import type { StructuralSchema } from '../crd-validator.js';
import type { CrdDefinition } from './crd-definition.js';

/**
 * Minimal OpenAPI v3 discovery (`/openapi/v3` and the CRD's group-version document). kubectl create/apply read it
 * to learn that the server validates fields itself (`fieldValidation` on PATCH); without it they refuse to run.
 * Like the API server for a CRD, PATCH accepts no strategic merge patch, so kubectl falls back to merge patches.
 */

export function openApiRoot(crd: CrdDefinition): unknown {
  const gv = `apis/${crd.group}/${crd.version}`;
  return { paths: { [gv]: { serverRelativeURL: `/openapi/v3/${gv}?hash=kube-sandbox` } } };
}

export function openApiGroupVersion(crd: CrdDefinition, schema: StructuralSchema): unknown {
  const gvk = { group: crd.group, version: crd.version, kind: crd.kind };
  const schemaName = `${crd.group.split('.').reverse().join('.')}.${crd.version}.${crd.kind}`;
  const ref = { $ref: `#/components/schemas/${schemaName}` };
  const queryParams = ['dryRun', 'fieldManager', 'fieldValidation'].map((name) => ({
    name,
    in: 'query',
    schema: { type: 'string', uniqueItems: true },
  }));
  const body = (types: string[]) => ({ content: Object.fromEntries(types.map((type) => [type, { schema: ref }])) });
  const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } };
  const operation = (action: string, extra: object = {}) => ({
    'x-kubernetes-group-version-kind': gvk,
    'x-kubernetes-action': action,
    parameters: queryParams,
    responses: ok,
    ...extra,
  });
  const base = `/apis/${crd.group}/${crd.version}/namespaces/{namespace}/${crd.plural}`;
  const pathParams = [
    { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } },
    { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
  ];
  const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes CRD Swagger (kube sandbox)', version: 'v0.1.0' },
    paths: {
      [base]: {
        parameters: pathParams.slice(0, 1),
        get: operation('list'),
        post: operation('post', { requestBody: body(['application/json']) }),
      },
      [`${base}/{name}`]: {
        parameters: pathParams,
        get: operation('get'),
        put: operation('put', { requestBody: body(['application/json']) }),
        patch: operation('patch', { requestBody: body(patchTypes) }),
        delete: operation('delete'),
      },
      [`${base}/{name}/status`]: {
        parameters: pathParams,
        get: operation('get'),
        put: operation('put', { requestBody: body(['application/json']) }),
        patch: operation('patch', { requestBody: body(patchTypes) }),
      },
    },
    components: {
      schemas: { [schemaName]: { ...schema, 'x-kubernetes-group-version-kind': [gvk] } },
    },
  };
}
