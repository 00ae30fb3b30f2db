import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, found from this file whether it runs from src/ or dist/. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const testkitRoot = resolve(repoRoot, 'packages/testkit');

/**
 * The compatibility contracts kept in `packages/testkit/reference` (origin in its README): the
 * RemediationRequest CRD every object the worker writes must validate against, and the Data Storage OpenAPI
 * document every audit event must validate against.
 */
export const REFERENCE_CRD_FILE = 'kubernaut.ai_remediationrequests.crd.yaml';
export const REFERENCE_DATA_STORAGE_OPENAPI_FILE = 'data-storage-v1.openapi.yaml';

export function referencePath(file: string): string {
  return resolve(testkitRoot, 'reference', file);
}

/** Real sender payloads kept in `packages/testkit/fixtures/payloads` (provenance in its SOURCES.md). */
export function fixturePath(name: string): string {
  return resolve(testkitRoot, 'fixtures', 'payloads', name);
}

export function readFixtureText(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

export function readFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFixtureText(name)) as T;
}
