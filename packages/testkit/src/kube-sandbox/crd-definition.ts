import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../test-data.js';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** What the sandbox needs from a CRD besides its schema: names for URLs and discovery, columns for Tables. */
export interface CrdDefinition {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  hasStatusSubresource: boolean;
  printerColumns: PrinterColumn[];
  /** JSONPaths like `.spec.signalFingerprint`, usable in fieldSelector as `spec.signalFingerprint`. */
  selectableFields: string[];
}

export function projectCrdPath(): string {
  return resolve(repoRoot, 'k8s/crds/remediationrequests.kubernaut.ai.yaml');
}

interface CrdDocument {
  kind?: string;
  spec: {
    group: string;
    scope: string;
    names: { kind: string; listKind?: string; plural: string; singular?: string; shortNames?: string[] };
    versions: {
      name: string;
      storage?: boolean;
      subresources?: { status?: object };
      additionalPrinterColumns?: PrinterColumn[];
      selectableFields?: { jsonPath: string }[];
    }[];
  };
}

export function parseCrdDefinition(crdYamlText: string): CrdDefinition {
  const crd = parseAllDocuments(crdYamlText)
    .map((doc) => doc.toJS() as CrdDocument | null)
    .find((doc) => doc?.kind === 'CustomResourceDefinition');
  const version = crd?.spec.versions.find((v) => v.storage) ?? crd?.spec.versions[0];
  if (!crd || !version) throw new Error('the CRD text holds no CustomResourceDefinition with a version');
  const { names } = crd.spec;
  return {
    group: crd.spec.group,
    version: version.name,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    shortNames: names.shortNames ?? [],
    namespaced: crd.spec.scope === 'Namespaced',
    hasStatusSubresource: version.subresources?.status !== undefined,
    printerColumns: version.additionalPrinterColumns ?? [],
    selectableFields: (version.selectableFields ?? []).map((f) => f.jsonPath),
  };
}
