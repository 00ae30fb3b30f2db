import {
  type ConfigurationOptions,
  Observable,
  type ObservableMiddleware,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';

/**
 * Per-request client-node options that tie the HTTP request to `signal`, so a timed-out attempt is really
 * cancelled rather than left running. client-node 2 runs option middleware as Observable middleware.
 */
export function requestOptions(signal: AbortSignal): ConfigurationOptions<ObservableMiddleware> {
  return {
    middleware: [
      {
        pre: (context) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (response) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** client-node 2 sends patches as JSON Patch unless told otherwise; the status write is a merge patch. */
export function mergePatchOptions(signal: AbortSignal): ConfigurationOptions<ObservableMiddleware> {
  return setHeaderOptions('Content-Type', PatchStrategy.MergePatch, requestOptions(signal));
}
