import { builtinSourceInstances, builtinSources } from '@gateway/sources';
import type { SourceInstanceInput } from './build-ingress-settings.js';

/** The source instances that exist without a configuration file (SPEC §2.1), with their default settings. */
export function builtinSourceInputs(): SourceInstanceInput[] {
  return Object.entries(builtinSourceInstances).map(([name, instance]) => {
    const definition = builtinSources[instance.type];
    if (definition === undefined) throw new Error(`built-in source ${name} has no adapter for type ${instance.type}`);
    return { name, definition, route: instance.route, enabled: instance.enabled };
  });
}
