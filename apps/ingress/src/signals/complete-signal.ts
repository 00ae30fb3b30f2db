import type { NormalizedSignal, Principal, SignalDraft } from '@gateway/contracts';

/** What ingress knows about the delivery that the adapter does not (SignalDraft → NormalizedSignal). */
export interface DeliveryContext {
  requestId: string;
  /** formatTimestamp of the moment the body was fully read. */
  receivedTime: string;
  principal: Principal;
  clientIp: string;
  configHash: string;
  /** `sources.<name>.deliveryDedup`: without it the worker cannot recognise a redelivery. */
  deliveryDedup: boolean;
}

export function completeSignal(
  draft: SignalDraft,
  delivery: DeliveryContext,
  signalId: string,
  clusterId: string,
): NormalizedSignal {
  return {
    ...draft,
    signalId,
    requestId: delivery.requestId,
    firingTime: draft.firingTime ?? delivery.receivedTime,
    receivedTime: delivery.receivedTime,
    principal: delivery.principal,
    clientIp: delivery.clientIp.slice(0, 45),
    configHash: delivery.configHash,
    clusterId,
    deliveryKey: delivery.deliveryDedup ? draft.deliveryKey : null,
  };
}
