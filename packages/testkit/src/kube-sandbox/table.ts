import type { CrdDefinition } from './crd-definition.js';
import { readJsonPath } from './json-path.js';
import type { KubeObject } from './store.js';

/** True when the client (kubectl) asked for server-side printing: `Accept: application/json;as=Table;…`. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /;\s*as=Table/.test(accept);
}

/** Human age like kubectl prints it (`45s`, `3m12s`, `5h`, `2d`); date columns are rendered server-side. */
export function humanAge(sinceIso: string, nowMs = Date.now()): string {
  const seconds = Math.max(0, Math.floor((nowMs - Date.parse(sinceIso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

function cell(obj: KubeObject, type: string, jsonPath: string): unknown {
  const value = readJsonPath(obj, jsonPath);
  if (value === undefined || value === null) return null;
  if (type === 'date' && typeof value === 'string') return humanAge(value);
  return value;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function toTable(
  objects: KubeObject[],
  crd: CrdDefinition,
  resourceVersion: string,
  includeObject: IncludeObject,
  withColumns = true,
): unknown {
  const columns = [
    {
      name: 'Name',
      type: 'string',
      format: 'name',
      description: 'Name must be unique within a namespace.',
      priority: 0,
    },
    ...crd.printerColumns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
  ];
  const rowObject = (obj: KubeObject): { object?: unknown } => {
    if (includeObject === 'Object') return { object: obj };
    if (includeObject === 'None') return {};
    return { object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata } };
  };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    // Watches send the column definitions only with their first event, as the API server does.
    columnDefinitions: withColumns ? columns : [],
    rows: objects.map((obj) => ({
      cells: [obj.metadata.name, ...crd.printerColumns.map((c) => cell(obj, c.type, c.jsonPath))],
      ...rowObject(obj),
    })),
  };
}
