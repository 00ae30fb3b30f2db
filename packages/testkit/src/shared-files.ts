import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, found from this file whether it runs from src/ or dist/. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The shared folder (SPEC, fixtures, reference contracts) lies beside the clone, read-only; it is never
 * copied into the project. GATEWAY_SHARED_DIR overrides the location.
 */
export function sharedDir(): string {
  return process.env.GATEWAY_SHARED_DIR ?? resolve(repoRoot, '../shared');
}

export function sharedPath(...segments: string[]): string {
  return resolve(sharedDir(), ...segments);
}

export function hasShared(...segments: string[]): boolean {
  return existsSync(sharedPath(...segments));
}

/** Reads a payload fixture from `shared/fixtures/payloads` as text. */
export function readFixtureText(name: string): string {
  return readFileSync(sharedPath('fixtures', 'payloads', name), 'utf8');
}

export function readFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFixtureText(name)) as T;
}
