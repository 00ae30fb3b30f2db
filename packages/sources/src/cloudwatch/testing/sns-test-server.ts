import type { Server } from 'node:https';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SnsTestPki } from './sns-test-pki.js';

/** A loopback stand-in for `sns.<region>.amazonaws.com`: serves the signing certificate and confirmation URLs. */
export interface SnsTestServer {
  port: number;
  /** Path and query of every request, in arrival order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Fixed paths exercise the fetch limits: `/missing.pem` (404), `/moved.pem` (302), `/huge.pem` (over 64 KiB),
 * `/stall.pem` (never answers); any other `.pem` is the leaf certificate. `Action=ConfirmSubscription` answers 200,
 * any other query 500.
 */
export async function startSnsTestServer(pki: SnsTestPki): Promise<SnsTestServer> {
  const requests: string[] = [];
  const server: Server = createServer({ key: pki.leafKeyPem, cert: pki.leafPem }, (req, res) => {
    const target = req.url ?? '/';
    requests.push(target);
    const url = new URL(target, 'https://sns.invalid');
    if (url.pathname === '/stall.pem') return;
    if (url.pathname === '/missing.pem') res.writeHead(404).end();
    else if (url.pathname === '/moved.pem')
      res.writeHead(302, { location: '/SimpleNotificationService-test.pem' }).end();
    else if (url.pathname === '/huge.pem') res.writeHead(200).end('x'.repeat(70 * 1024));
    else if (url.pathname.endsWith('.pem'))
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(pki.leafPem);
    else if (url.searchParams.get('Action') === 'ConfirmSubscription') {
      res.writeHead(200, { 'content-type': 'text/xml' }).end('<ConfirmSubscriptionResponse/>');
    } else res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
