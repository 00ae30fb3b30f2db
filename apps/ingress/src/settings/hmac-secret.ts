import type { HmacConfig } from '@gateway/config';
import { configProblem } from '@gateway/config';
import type { HmacSettings } from '@gateway/sources';
import { IngressSettingsError } from './ingress-settings-error.js';
import type { ConfiguredAt, ReadTextFile } from './token-credential.js';

/**
 * `hmac` as the source verifies it: `secretFile` is read here, once per settings build, so no request ever waits
 * on the filesystem and an unreadable secret stops startup (or rejects a reload) instead of failing every delivery
 * with 401.
 */
export function hmacWithSecret(at: ConfiguredAt, hmac: HmacConfig, readFile: ReadTextFile): HmacSettings {
  const { secret, secretFile, ...rest } = hmac;
  if (secretFile === undefined) return { ...rest, secret: secret ?? '' };
  const path = [...at, 'secretFile'];
  let text: string;
  try {
    text = readFile(secretFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new IngressSettingsError([
      configProblem(
        path,
        secretFile,
        `cannot be read (${code})`,
        'mount the secret file at that path or correct the path',
      ),
    ]);
  }
  // Secrets mounted from Kubernetes or written by `echo` end with a newline that is not part of the key.
  const value = text.trim();
  if (value === '') {
    throw new IngressSettingsError([configProblem(path, secretFile, 'is empty', 'write the HMAC key into the file')]);
  }
  return { ...rest, secret: value };
}
