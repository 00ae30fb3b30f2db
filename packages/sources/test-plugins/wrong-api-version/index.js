const defineSource = (definition) => definition;

/** Written against a future contract version this gateway does not implement. */
export default defineSource({
  apiVersion: 2,
  type: 'future',
  signalSource: 'future',
  async parse() {
    return { signals: [], ignored: [], rejected: [] };
  },
});
