import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  baseChildEnv,
  freePort,
  type ManagedProcess,
  type MetricSample,
  scrapeMetrics,
  startManagedProcess,
} from '../../../packages/testkit/src/index.js';

/** One alert as Alertmanager's API v2 takes it (`POST /api/v2/alerts`), the way Prometheus posts it. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  /** In the past: the alert is resolved. */
  endsAt?: string;
  generatorURL?: string;
}

export interface AlertmanagerOptions {
  /** Full URL of the gateway's Alertmanager route. */
  webhookUrl: string;
  bearerToken: string;
  groupBy?: readonly string[];
  /** Short intervals keep the tests fast; Alertmanager's defaults are minutes. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

export interface Alertmanager {
  readonly url: string;
  readonly process: ManagedProcess;
  postAlerts(alerts: readonly PostableAlert[]): Promise<void>;
  metrics(): Promise<MetricSample[]>;
  stop(): Promise<void>;
}

/**
 * The Debian package installs the binary as prometheus-alertmanager; upstream tarballs call it alertmanager.
 * ALERTMANAGER_BIN overrides both. Missing is an error, not a skip: scripts/test installs it.
 */
export function findAlertmanagerBinary(): string {
  const override = process.env.ALERTMANAGER_BIN;
  if (override) {
    if (!existsSync(override)) throw new Error(`ALERTMANAGER_BIN=${override} does not exist`);
    return override;
  }
  const candidates = ['/usr/bin/prometheus-alertmanager'];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir) candidates.push(join(dir, 'prometheus-alertmanager'), join(dir, 'alertmanager'));
  }
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      'Alertmanager binary not found (looked for /usr/bin/prometheus-alertmanager and alertmanager on PATH): ' +
        'install it with `apt-get install prometheus-alertmanager` (scripts/test does this) or set ALERTMANAGER_BIN',
    );
  }
  return found;
}

export function alertmanagerConfig(options: AlertmanagerOptions): string {
  // JSON is valid YAML, and quoting every value this way cannot break on tokens or URLs.
  return JSON.stringify(
    {
      route: {
        receiver: 'gateway',
        group_by: options.groupBy ?? ['alertname'],
        group_wait: options.groupWait ?? '1s',
        group_interval: options.groupInterval ?? '1s',
        repeat_interval: options.repeatInterval ?? '1h',
      },
      receivers: [
        {
          name: 'gateway',
          webhook_configs: [
            {
              url: options.webhookUrl,
              send_resolved: true,
              // `authorization` is the form since 0.22; `bearer_token` still works but is deprecated.
              http_config: { authorization: { type: 'Bearer', credentials: options.bearerToken } },
            },
          ],
        },
      ],
    },
    null,
    2,
  );
}

export async function startAlertmanager(options: AlertmanagerOptions): Promise<Alertmanager> {
  const binary = findAlertmanagerBinary();
  const dir = await mkdtemp(join(tmpdir(), 'alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  await writeFile(configFile, alertmanagerConfig(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startManagedProcess({
    name: 'alertmanager',
    command: binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Empty: no gossip listener, so parallel test runs cannot join each other's cluster.
      '--cluster.listen-address=',
      '--log.level=debug',
    ],
    env: baseChildEnv(),
    cwd: dir,
    readyUrl: `${url}/-/ready`,
    readyTimeoutMs: 20_000,
  });
  const stop = async (): Promise<void> => {
    await proc.stop('SIGTERM', 10_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await proc.waitReady();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    process: proc,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
        signal: AbortSignal.timeout(5000),
      });
      if (res.status !== 200) throw new Error(`Alertmanager refused the alerts: ${res.status} ${await res.text()}`);
    },
    metrics: () => scrapeMetrics(`${url}/metrics`),
    stop,
  };
}
