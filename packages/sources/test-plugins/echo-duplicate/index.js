const defineSource = (definition) => definition;

/** Claims the type `echo-source` already declares; two plugins cannot serve one type. */
export default defineSource({
  apiVersion: 1,
  type: 'echo',
  signalSource: 'echo-copy',
  async parse() {
    return { signals: [], ignored: [], rejected: [] };
  },
});
