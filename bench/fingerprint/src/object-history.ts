import { type ObjectRef, type OwnerLookup, OwnerLookupUnavailable, type OwnerRef } from '@gateway/fingerprint';
import type { ObjectLine } from './stream-line.js';

interface ObjectVersion {
  fromMs: number;
  /** Exclusive; `Infinity` while the object is not deleted. */
  untilMs: number;
  controller: OwnerRef | null;
}

function objectKey(clusterId: string, kind: string, namespace: string, name: string): string {
  return `${clusterId}\u0000${kind}\u0000${namespace}\u0000${name}`;
}

/**
 * Answers owner lookups as the cluster's API would have at a given moment: an object exists from its
 * creationTimestamp until its deletionTimestamp, and a name can be reused by a later object (a StatefulSet pod).
 */
export class ObjectHistory {
  readonly #versions = new Map<string, ObjectVersion[]>();
  #objects = 0;

  add(object: ObjectLine): void {
    const { metadata } = object;
    const controller = metadata.ownerReferences?.find((reference) => reference.controller === true);
    const key = objectKey(object.cluster, object.kind, metadata.namespace ?? '', metadata.name);
    const versions = this.#versions.get(key) ?? [];
    versions.push({
      fromMs: Date.parse(metadata.creationTimestamp),
      untilMs:
        metadata.deletionTimestamp === undefined ? Number.POSITIVE_INFINITY : Date.parse(metadata.deletionTimestamp),
      controller:
        controller === undefined
          ? null
          : { apiVersion: controller.apiVersion, kind: controller.kind, name: controller.name },
    });
    this.#versions.set(key, versions);
    this.#objects++;
  }

  get size(): number {
    return this.#objects;
  }

  /**
   * The lookup for the signal being fingerprinted: the hub's client (`clusterId` "") answers for the cluster the
   * signal came from, since without multi-cluster every sender's cluster is the local one.
   */
  lookupFrom(localClusterId: () => string): OwnerLookup {
    return {
      controllerOf: async (ref: ObjectRef, atMs: number) => this.#controllerOf(ref, atMs, localClusterId()),
    };
  }

  #controllerOf(ref: ObjectRef, atMs: number, localClusterId: string): OwnerRef | null {
    const clusterId = ref.clusterId === '' ? localClusterId : ref.clusterId;
    const versions = this.#versions.get(objectKey(clusterId, ref.kind, ref.namespace, ref.name)) ?? [];
    const live = versions.find((version) => version.fromMs <= atMs && atMs < version.untilMs);
    if (live === undefined) {
      const where = ref.namespace === '' ? '' : ` in ${ref.namespace}`;
      throw new OwnerLookupUnavailable('not-found', `${ref.kind} ${ref.name}${where} did not exist at ${atMs}`);
    }
    return live.controller;
  }
}
