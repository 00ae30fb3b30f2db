import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway CA and one leaf for SNS-like hosts, made with `openssl` at test time. */
export interface SnsTestPki {
  caFile: string;
  caPem: string;
  leafPem: string;
  leafKeyPem: string;
  dispose(): void;
}

/**
 * The leaf is valid from 2010 so verification passes with the clock frozen at a fixture's (old) `Timestamp`,
 * and until 2099 so TLS, which checks against the real clock, accepts it too.
 */
export function createSnsTestPki(hosts: readonly string[]): SnsTestPki {
  const dir = mkdtempSync(join(tmpdir(), 'sns-pki-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(path('index.txt'), '');
  writeFileSync(path('serial'), '1000\n');
  writeFileSync(
    path('ca.cnf'),
    [
      '[ca]',
      'default_ca = test_ca',
      '[test_ca]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'serial = $dir/serial',
      'new_certs_dir = $dir',
      'certificate = $dir/ca.pem',
      'private_key = $dir/ca.key',
      'default_md = sha256',
      'policy = any_policy',
      'unique_subject = no',
      'copy_extensions = none',
      'x509_extensions = leaf_ext',
      '[any_policy]',
      'commonName = supplied',
      '[leaf_ext]',
      'basicConstraints = CA:FALSE',
      'keyUsage = digitalSignature, keyEncipherment',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${hosts.map((host) => `DNS:${host}`).join(', ')}`,
      '',
    ].join('\n'),
  );
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-subj',
    '/CN=Gateway Test SNS CA',
    '-days',
    '3650',
  );
  openssl(
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
    '-subj',
    `/CN=${hosts[0] ?? 'localhost'}`,
  );
  openssl(
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-startdate',
    '20100101000000Z',
    '-enddate',
    '20991231000000Z',
    '-in',
    'leaf.csr',
    '-out',
    'leaf.pem',
    '-notext',
  );
  return {
    caFile: path('ca.pem'),
    caPem: readFileSync(path('ca.pem'), 'utf8'),
    leafPem: readFileSync(path('leaf.pem'), 'utf8'),
    leafKeyPem: readFileSync(path('leaf.key'), 'utf8'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
