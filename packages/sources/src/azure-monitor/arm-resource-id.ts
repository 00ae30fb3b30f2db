/** An Azure Resource Manager id reduced to what the target and labels need, all lowercase (ARM ids are case-insensitive). */
export interface ArmResource {
  subscriptionId: string;
  /** `""` for resources above resource-group level. */
  resourceGroup: string;
  /** `<provider namespace>/<type>[/<subtype>…]`. */
  kind: string;
  /** Resource names joined by `/`, one per type level. */
  name: string;
  /** Fingerprint scope: `<subscriptionId>/<resourceGroup>`, or the subscription alone above that level. */
  scope: string;
}

const SUBSCRIPTION_KIND = 'microsoft.resources/subscriptions';
const RESOURCE_GROUP_KIND = 'microsoft.resources/resourcegroups';

/**
 * `/subscriptions/<sub>[/resourcegroups/<rg>][/providers/<ns>/<type>/<name>[/<subtype>/<name>…]]`;
 * undefined for anything else.
 */
export function parseArmResourceId(id: string): ArmResource | undefined {
  const segments = id.toLowerCase().split('/').filter(Boolean);
  const [subscriptions, subscriptionId, ...rest] = segments;
  if (subscriptions !== 'subscriptions' || !subscriptionId) return undefined;
  if (rest.length === 0) {
    return { subscriptionId, resourceGroup: '', kind: SUBSCRIPTION_KIND, name: subscriptionId, scope: subscriptionId };
  }
  let resourceGroup = '';
  let providerPart = rest;
  if (rest[0] === 'resourcegroups') {
    resourceGroup = rest[1] ?? '';
    if (!resourceGroup) return undefined;
    providerPart = rest.slice(2);
  }
  const scope = resourceGroup ? `${subscriptionId}/${resourceGroup}` : subscriptionId;
  if (providerPart.length === 0) {
    return { subscriptionId, resourceGroup, kind: RESOURCE_GROUP_KIND, name: resourceGroup, scope };
  }
  const [providers, namespace, ...typesAndNames] = providerPart;
  if (providers !== 'providers' || !namespace || typesAndNames.length === 0 || typesAndNames.length % 2 !== 0) {
    return undefined;
  }
  const types = typesAndNames.filter((_, index) => index % 2 === 0);
  const names = typesAndNames.filter((_, index) => index % 2 === 1);
  return { subscriptionId, resourceGroup, kind: [namespace, ...types].join('/'), name: names.join('/'), scope };
}
