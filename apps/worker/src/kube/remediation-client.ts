import {
  type DeduplicationStatus,
  FIELD_MANAGER,
  GatewayError,
  type RemediationRequestObject,
  RR_GROUP,
  RR_PLURAL,
  RR_VERSION,
} from '@gateway/contracts';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { CreateOutcome, RemediationClient } from '../pipeline/ports.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { classifyKubeError } from './classify-error.js';
import { KubeErrorType, KubeOperation } from './kube-error-type.js';
import { mergePatchOptions, requestOptions } from './request-options.js';
import { type RetryHooks, type RetryPolicy, withRetry } from './retry-policy.js';

/** Metric hooks; the composition root binds them to prom-client. */
export interface KubeClientHooks {
  /** One per HTTP attempt: `code` is the HTTP status, or the error type when no response came back. */
  onRequest?(operation: string, code: string, durationMs: number): void;
  onRetry?(operation: string, errorType: string): void;
  onExhausted?(operation: string, errorType: string): void;
  /** A create that ended without the RR (after its in-process retries); AlreadyExists is a success. */
  onCreateFailed?(errorType: string): void;
}

export interface RemediationClientOptions {
  /** Read per operation, so `retry.*` and `kubernetes.requestTimeout` reload without a new client. */
  policy: () => RetryPolicy;
  /** The breaker of the cluster this KubeConfig points at. */
  breaker: CircuitBreaker;
  hooks?: KubeClientHooks;
  /** Test seams for the retry delays. */
  retryRuntime?: Pick<RetryHooks, 'sleep' | 'random' | 'now'>;
}

interface HttpResult<T> {
  httpStatusCode: number;
  data: T;
}

/**
 * RemediationClient on CustomObjectsApi: every HTTP attempt runs inside the circuit breaker, and the
 * attempts of one operation are driven by the retry policy (docs/kubernetes-access.md#retry-policy).
 */
export function createRemediationClient(kubeConfig: KubeConfig, options: RemediationClientOptions): RemediationClient {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const hooks = options.hooks ?? {};
  const retryHooks: RetryHooks = {
    ...options.retryRuntime,
    onRetry: (operation, error) => hooks.onRetry?.(operation, error.errorType),
    onExhausted: (operation, error) => hooks.onExhausted?.(operation, error.errorType),
  };

  async function attempt<T>(operation: string, send: () => Promise<HttpResult<T>>): Promise<T> {
    const startedMs = performance.now();
    try {
      const result = await send();
      hooks.onRequest?.(operation, String(result.httpStatusCode), performance.now() - startedMs);
      return result.data;
    } catch (thrown) {
      const error = classifyKubeError(thrown, operation);
      hooks.onRequest?.(
        operation,
        error.httpStatus === undefined ? error.errorType : String(error.httpStatus),
        performance.now() - startedMs,
      );
      throw error;
    }
  }

  function call<T>(operation: string, send: (signal: AbortSignal) => Promise<HttpResult<T>>): Promise<T> {
    return withRetry(
      operation,
      (signal) => options.breaker.execute(operation, () => attempt(operation, () => send(signal))),
      options.policy(),
      retryHooks,
    );
  }

  return {
    async create(rr: RemediationRequestObject): Promise<CreateOutcome> {
      const { namespace, name } = rr.metadata;
      try {
        await call(KubeOperation.createRemediation, (signal) =>
          api.createNamespacedCustomObjectWithHttpInfo(
            {
              group: RR_GROUP,
              version: RR_VERSION,
              namespace,
              plural: RR_PLURAL,
              body: rr,
              fieldManager: FIELD_MANAGER,
            },
            requestOptions(signal),
          ),
        );
        return 'created';
      } catch (error) {
        if (isErrorType(error, KubeErrorType.alreadyExists)) return 'already-exists';
        // The open breaker sent no request: nothing failed at the API, the job is parked and tries again.
        if (!isErrorType(error, KubeErrorType.circuitOpen)) {
          hooks.onCreateFailed?.(error instanceof GatewayError ? error.errorType : KubeErrorType.unknown);
        }
        throw withRrName(error, name);
      }
    },

    async get(namespace: string, name: string): Promise<RemediationRequestObject | undefined> {
      try {
        return await call(KubeOperation.getRemediation, (signal) =>
          api.getNamespacedCustomObjectWithHttpInfo(
            { group: RR_GROUP, version: RR_VERSION, namespace, plural: RR_PLURAL, name },
            requestOptions(signal),
          ),
        );
      } catch (error) {
        if (isErrorType(error, KubeErrorType.notFound)) return undefined;
        throw withRrName(error, name);
      }
    },

    async patchDeduplication(namespace: string, name: string, status: DeduplicationStatus): Promise<'ok' | 'gone'> {
      try {
        await call(KubeOperation.patchRemediationStatus, (signal) =>
          api.patchNamespacedCustomObjectStatusWithHttpInfo(
            {
              group: RR_GROUP,
              version: RR_VERSION,
              namespace,
              plural: RR_PLURAL,
              name,
              body: { status: { deduplication: status } },
              fieldManager: FIELD_MANAGER,
            },
            mergePatchOptions(signal),
          ),
        );
        return 'ok';
      } catch (error) {
        if (isErrorType(error, KubeErrorType.notFound)) return 'gone';
        throw withRrName(error, name);
      }
    },
  };
}

function isErrorType(error: unknown, errorType: KubeErrorType): boolean {
  return error instanceof GatewayError && error.errorType === errorType;
}

function withRrName(error: unknown, rrName: string): unknown {
  return error instanceof GatewayError ? new GatewayError({ ...error.fields(), rrName }) : error;
}
