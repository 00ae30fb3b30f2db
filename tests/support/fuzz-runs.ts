/**
 * fast-check run options shared by the fuzz suites: FUZZ_RUNS sets the runs per property, FUZZ_SEED replays the
 * seed a failing run printed.
 */
export function fuzzRuns(defaultRuns: number): { numRuns: number; seed?: number } {
  const numRuns = Number(process.env.FUZZ_RUNS ?? defaultRuns);
  return process.env.FUZZ_SEED === undefined ? { numRuns } : { numRuns, seed: Number(process.env.FUZZ_SEED) };
}
