/**
 * One refused configuration key in the shape config loading reports (path, value, rule); `message` starts with `path`.
 */
export interface SettingsProblem {
  path: string;
  message: string;
}

/** A configuration that validated but cannot run in this build or on this host; startup exits 78 with it. */
export class IngressSettingsError extends Error {
  override readonly name = 'IngressSettingsError';
  constructor(
    message: string,
    /** Set when several keys are at fault (a custom source's mapping), so each gets its own line. */
    readonly problems: readonly SettingsProblem[] = [],
  ) {
    super(message);
  }
}
