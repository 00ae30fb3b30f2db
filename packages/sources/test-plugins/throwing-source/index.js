const defineSource = (definition) => definition;

/** A plugin bug: every delivery makes `parse` throw, which ingress must answer with 500, never crash on. */
export default defineSource({
  apiVersion: 1,
  type: 'throwing',
  signalSource: 'throwing',
  async parse() {
    throw new Error('plugin bug: cannot read properties of undefined');
  },
});
