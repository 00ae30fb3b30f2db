/** Forgot `export default`: the loader must say so at startup. */
export const source = {
  apiVersion: 1,
  type: 'nodefault',
  signalSource: 'nodefault',
  async parse() {
    return { signals: [], ignored: [], rejected: [] };
  },
};
