export {
  type CreateFingerprinterOptions,
  createFingerprinter,
  DEFAULT_OWNER_SETTINGS,
  DEFAULT_SIMILARITY_SETTINGS,
  type FingerprinterHooks,
  SIMILARITY_RESULT,
  type SimilarityDecision,
  type SimilarityResult,
} from './create-fingerprinter.js';
export { defaultFingerprint } from './default-fingerprint.js';
export * from './fingerprinter.js';
export { globMatches } from './glob-match.js';
export { ownerFromName } from './owner-heuristics.js';
export { fingerprintSettingsFromConfig } from './settings-from-config.js';
export { DEFAULT_SIGNAL_CLASSES } from './signal-classes.js';
export {
  createRedisSimilarityStore,
  type LabelObservation,
  type LabelsToObserve,
  type SimilarityMatch,
  type SimilarityMatchRequest,
  type SimilarityStore,
} from './similarity-store.js';
export { DEFAULT_TARGET_RULES } from './target-rules.js';
