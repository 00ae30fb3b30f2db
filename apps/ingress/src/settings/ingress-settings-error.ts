/** A configuration that validated but cannot run in this build or on this host; startup exits 78 with it. */
export class IngressSettingsError extends Error {
  override readonly name = 'IngressSettingsError';
}
