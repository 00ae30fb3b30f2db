import { readFileSync } from 'node:fs';
import type { SourceContext } from '../source-definition.js';
import { createCertificateFetcher } from './certificate-fetcher.js';
import type { CloudwatchOptions } from './cloudwatch-options.js';
import { createHttpsGet } from './https-get.js';

/**
 * What the ingress adds to the context of one `cloudwatch` instance, built once per configuration snapshot so
 * the certificate cache outlives requests. Reads `caFile` now, so a missing file fails the configuration.
 */
export function createCloudwatchCapabilities(
  options: Pick<CloudwatchOptions, 'caFile' | 'resolve'>,
  now: () => Date,
): Required<Pick<SourceContext, 'httpsGet' | 'fetchCertificate'>> {
  const httpsGet = createHttpsGet({
    ...(options.caFile !== undefined ? { ca: readFileSync(options.caFile, 'utf8') } : {}),
    ...(options.resolve !== undefined ? { resolve: options.resolve } : {}),
  });
  return { httpsGet, fetchCertificate: createCertificateFetcher({ httpsGet, now }) };
}
