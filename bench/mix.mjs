// The mixed traffic of `pnpm bench` (docs/benchmarks.md#traffic): Alertmanager webhook v4 bodies in which a share of
// the firing alerts opens a new fingerprint and the rest are new occurrences (a new `startsAt`) of fingerprints
// already sent, so their windows are open. A few requests are redeliveries (a body sent before, byte for byte) and a
// few carry several alerts. The mix also keeps the books the count check needs: which occurrences the gateway
// answered 202 for, so the expected Σ occurrenceCount excludes redeliveries exactly, even when a redelivery's
// original was the one refused.

import { createHash } from 'node:crypto';
// The test kit's PRNG, so two runs with the same seed send the same traffic (the bench needs the build anyway).
import { seededRandom as prng } from '../packages/testkit/dist/seeded-random.js';

const REDELIVERY_MEMORY = 256;

/**
 * @param {object} options
 * @param {string} options.alertname  one per scenario, so its RRs (spec.signalName) can be told apart
 * @param {number} [options.newShare]  share of firing alerts that open a new fingerprint (0.05)
 * @param {number} [options.redeliveryShare]  share of requests that re-send an earlier body (0.01)
 * @param {number} [options.multiShare]  share of requests carrying `multiSize` alerts (0.01)
 * @param {number} [options.multiSize]  alerts in a multi-alert webhook (3)
 * @param {number} [options.seed]
 */
export function createMix({
  alertname,
  newShare = 0.05,
  redeliveryShare = 0.01,
  multiShare = 0.01,
  multiSize = 3,
  seed = 1,
}) {
  const random = prng(seed);
  const pods = [];
  // startsAt of every occurrence is unique and in the past, so each one is a new occurrence for the gateway.
  const base = Date.now() - 3_600_000;
  let occurrence = 0;
  const recent = [];
  const counted = new Set();
  const fingerprintsAccepted = new Set();
  let acceptedFiring = 0;
  let scheduledRedeliveries = 0;

  const nextAlert = () => {
    let pod;
    if (pods.length === 0 || random() < newShare) {
      const name = `${alertname.toLowerCase()}-pod-${pods.length}`;
      pod = { name, fingerprint: createHash('sha256').update(name).digest('hex').slice(0, 16) };
      pods.push(pod);
    } else {
      pod = pods[Math.floor(random() * pods.length)];
    }
    const startsAt = new Date(base + occurrence).toISOString();
    occurrence += 1;
    return { pod, startsAt };
  };

  const render = (alerts) =>
    `{"version":"4","groupKey":"{}:{alertname=\\"${alertname}\\"}","truncatedAlerts":0,"status":"firing","receiver":"gateway","groupLabels":{"alertname":"${alertname}"},"commonLabels":{"alertname":"${alertname}","namespace":"bench"},"commonAnnotations":{},"externalURL":"http://alertmanager.bench:9093","alerts":[${alerts
      .map(
        ({ pod, startsAt }) =>
          `{"status":"firing","labels":{"alertname":"${alertname}","namespace":"bench","pod":"${pod.name}","severity":"warning"},"annotations":{"summary":"${pod.name} is unhappy"},"startsAt":"${startsAt}","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.bench:9090/graph","fingerprint":"${pod.fingerprint}"}`,
      )
      .join(',')}]}`;

  return {
    /** The next request: its firing alerts (pod, startsAt) and its body. */
    next() {
      if (recent.length > 0 && random() < redeliveryShare) {
        scheduledRedeliveries += 1;
        return recent[Math.floor(random() * recent.length)];
      }
      const size = random() < multiShare ? multiSize : 1;
      const items = Array.from({ length: size }, nextAlert);
      let body;
      // Rendered when sent: a saturated generator skips most requests, and their bodies would only cost it CPU.
      const request = {
        alerts: size,
        items,
        get body() {
          body ??= render(items);
          return body;
        },
      };
      if (recent.length < REDELIVERY_MEMORY) recent.push(request);
      else recent[Math.floor(random() * REDELIVERY_MEMORY)] = request;
      return request;
    },
    /** Books a 202 for `request`. */
    accepted(request) {
      acceptedFiring += request.alerts;
      for (const { pod, startsAt } of request.items) {
        counted.add(`${pod.name}|${startsAt}`);
        fingerprintsAccepted.add(pod.name);
      }
    },
    summary() {
      return {
        alertname,
        newShare,
        redeliveryShare,
        multiShare,
        multiSize,
        scheduledRedeliveries,
        acceptedFiring,
        // What Σ occurrenceCount must be after the drain: every accepted occurrence once, redeliveries not at all.
        expectedOccurrences: counted.size,
        acceptedRedeliveries: acceptedFiring - counted.size,
        // One RR per fingerprint window; no window closes during a run.
        expectedRrs: fingerprintsAccepted.size,
      };
    },
  };
}
