/** Stand-in for `defineSource` from the gateway's sources package, which this test package cannot depend on. */
const defineSource = (definition) => definition;

/** Echoes `{name, severity?, target?}` as one firing signal; enough to prove a plugin serves its route. */
export default defineSource({
  apiVersion: 1,
  type: 'echo',
  signalSource: 'echo',
  defaultOverloadStatus: 503,
  async parse(req, ctx) {
    const body = req.json ?? JSON.parse(new TextDecoder().decode(req.rawBody));
    if (typeof body?.name !== 'string' || body.name === '') {
      return { signals: [], ignored: [], rejected: [{ index: 0, pointer: '/name', message: 'name is required' }] };
    }
    const target = body.target ?? { type: 'kubernetes', kind: 'Unknown', name: 'unknown', scope: 'default' };
    return {
      signals: [
        {
          index: 0,
          source: ctx.name,
          sourceType: ctx.sourceType,
          signalSource: ctx.signalSource,
          status: 'firing',
          signalName: body.name,
          severity: typeof body.severity === 'string' && body.severity !== '' ? body.severity : 'unknown',
          namespace: target.namespace ?? '',
          target,
          clusterId: '',
          labels: {},
          annotations: {},
          providerData: {},
          originalPayload: body,
          deliveryKey: null,
          fingerprintInput: null,
        },
      ],
      ignored: [],
      rejected: [],
    };
  },
});
