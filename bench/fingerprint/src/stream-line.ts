import { z } from 'zod';

export const STREAM_SOURCES = ['alertmanager', 'kubernetes-event'] as const;

/** One line of a stream; fields other than these are ignored. */
export const StreamLineSchema = z.object({
  /** Epoch milliseconds at which the gateway received the signal. */
  t: z.number().int().nonnegative(),
  source: z.enum(STREAM_SOURCES),
  /** The cluster the signal came from: its sender's token is bound to it. */
  clusterId: z.string().prefault(''),
  alert: z.record(z.string(), z.unknown()).optional(),
  event: z.record(z.string(), z.unknown()).optional(),
  /** Incident id: lines with the same truth are one real problem. */
  truth: z.string().min(1).optional(),
  scenario: z.string().min(1).optional(),
});
export type StreamLine = z.infer<typeof StreamLineSchema>;

const OwnerReferenceSchema = z.object({
  apiVersion: z.string(),
  kind: z.string().min(1),
  name: z.string().min(1),
  controller: z.boolean().optional(),
});

/** One line of an objects file: a Kubernetes object's metadata over its lifetime, in the cluster it lives in. */
export const ObjectLineSchema = z.object({
  cluster: z.string().prefault(''),
  apiVersion: z.string().optional(),
  kind: z.string().min(1),
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().optional(),
    creationTimestamp: z.iso.datetime(),
    deletionTimestamp: z.iso.datetime().optional(),
    ownerReferences: z.array(OwnerReferenceSchema).optional(),
  }),
});
export type ObjectLine = z.infer<typeof ObjectLineSchema>;
