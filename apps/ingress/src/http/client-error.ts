import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE } from '@gateway/contracts';
import { ProblemError, problemBody } from './problem.js';

interface NodeClientError extends Error {
  code?: string;
  /** llhttp's fixed description of what did not parse, e.g. "Invalid header value char". */
  reason?: string;
}

export interface ClientErrorLimits {
  maxHeaderBytes: number;
  requestTimeoutMs: number;
}

/** What Node's HTTP parser refused, as the problem the sender can act on. */
function clientErrorProblem(error: NodeClientError, limits: ClientErrorLimits): ProblemError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ProblemError(
        'header-fields-too-large',
        `Request line and headers exceed ${limits.maxHeaderBytes} bytes; send shorter headers (tokens, cookies, X-Forwarded-For)`,
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ProblemError(
        'request-timeout',
        `The request did not arrive completely within ${limits.requestTimeoutMs} ms; send it without pauses`,
      );
    default:
      return new ProblemError(
        'validation-error',
        `Malformed HTTP request (${error.code ?? 'unknown'}${error.reason ? `: ${error.reason}` : ''}); send a valid HTTP/1.1 request`,
      );
  }
}

/**
 * Node's `clientError` hook: requests its parser refuses never reach the app, and Node's own answer is a bare
 * status line. This answers an RFC 7807 problem instead and closes the connection. Nothing is written when the
 * socket is gone or a response on it has already started, since bytes then would corrupt what the peer reads.
 */
export function createClientErrorHandler(limits: ClientErrorLimits, requestId: () => string) {
  return (error: NodeClientError, socket: Duplex): void => {
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    const problem = clientErrorProblem(error, limits);
    const id = requestId();
    const body = JSON.stringify(problemBody(problem, `urn:uuid:${id}`, id));
    socket.end(
      [
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}`,
        `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Request-ID: ${id}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  };
}
