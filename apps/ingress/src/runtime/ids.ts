import { v7 } from 'uuid';

export interface IdGenerators {
  requestId(): string;
  /** Also the BullMQ job id, so it must be unique across processes. */
  signalId(): string;
}

/** UUIDv7: unique without coordination and time-ordered, so ids sort by arrival in logs and Redis. */
export const uuidV7Ids: IdGenerators = { requestId: () => v7(), signalId: () => v7() };
