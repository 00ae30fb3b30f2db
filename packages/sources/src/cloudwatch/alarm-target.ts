import type { Target } from '@gateway/contracts';
import { isDns1123Label, isDns1123Subdomain } from '../normalize/dns1123.js';
import { truncateChars } from '../normalize/text-limits.js';
import type { CloudwatchAlarm } from './cloudwatch-alarm.js';

export interface AlarmTarget {
  target: Target;
  /** Kubernetes namespace of the target, `""` otherwise. */
  namespace: string;
  /** Cluster id candidate (docs/remediation-requests.md#cluster-id): the EKS cluster of a Container Insights alarm. */
  clusterId: string;
}

/** Single-dimension AWS resources, in the order they are tried: the first present dimension names the target. */
const AWS_RESOURCE_DIMENSIONS: ReadonlyArray<readonly [dimension: string, kind: string]> = [
  ['InstanceId', 'EC2Instance'],
  ['AutoScalingGroupName', 'AutoScalingGroup'],
  ['DBInstanceIdentifier', 'RDSInstance'],
  ['DBClusterIdentifier', 'RDSCluster'],
  ['LoadBalancer', 'LoadBalancer'],
  ['LoadBalancerName', 'ClassicLoadBalancer'],
  ['TargetGroup', 'TargetGroup'],
  ['FunctionName', 'LambdaFunction'],
  ['QueueName', 'SQSQueue'],
  ['TopicName', 'SNSTopic'],
  ['TableName', 'DynamoDBTable'],
  ['BucketName', 'S3Bucket'],
];

/** Target `kind` and `name` limit of the signal contract. */
const TARGET_FIELD_MAX_CHARS = 253;
const CONTAINER_INSIGHTS = 'ContainerInsights';
const ALARM_KIND = 'CloudWatchAlarm';

/** Alarm target rules (docs/signals-and-sources.md#aws-cloudwatch-alarms-via-sns); the first rule that matches wins. */
export function alarmTarget(alarm: CloudwatchAlarm, accountId: string, region: string): AlarmTarget {
  const dimensions = new Map<string, string>();
  for (const { name, value } of alarm.dimensions)
    if (value !== '' && !dimensions.has(name)) dimensions.set(name, value);

  if (alarm.metricNamespace === CONTAINER_INSIGHTS) {
    const kubernetes = containerInsightsTarget(dimensions);
    if (kubernetes) return kubernetes;
  }
  const aws = (kind: string, name: string): AlarmTarget => ({
    target: {
      type: 'aws',
      kind: truncateChars(kind, TARGET_FIELD_MAX_CHARS),
      name: truncateChars(name, TARGET_FIELD_MAX_CHARS),
      scope: `${accountId}/${region}`,
    },
    namespace: '',
    clusterId: '',
  });
  for (const [dimension, kind] of AWS_RESOURCE_DIMENSIONS) {
    const name = dimensions.get(dimension);
    if (name !== undefined) return aws(kind, name);
  }
  const ecsCluster = dimensions.get('ClusterName');
  const ecsService = dimensions.get('ServiceName');
  // An ECS service name is unique only within its cluster, as in the service ARN `service/<cluster>/<service>`.
  if (ecsCluster !== undefined && ecsService !== undefined) return aws('ECSService', `${ecsCluster}/${ecsService}`);
  const [first] = dimensions;
  if (first !== undefined) return aws(first[0], first[1]);
  return aws(ALARM_KIND, alarm.alarmName);
}

function containerInsightsTarget(dimensions: ReadonlyMap<string, string>): AlarmTarget | undefined {
  const clusterId = dimensions.get('ClusterName') ?? '';
  const namespace = dimensions.get('Namespace');
  const pod = dimensions.get('FullPodName') ?? dimensions.get('PodName');
  const service = dimensions.get('Service');
  const node = dimensions.get('NodeName');
  if (namespace !== undefined && isDns1123Label(namespace)) {
    const namespaced = (kind: string, name: string): AlarmTarget => ({
      target: { type: 'kubernetes', kind, name, namespace, scope: namespace },
      namespace,
      clusterId,
    });
    if (pod !== undefined && isDns1123Subdomain(pod)) return namespaced('Pod', pod);
    if (service !== undefined && isDns1123Subdomain(service)) return namespaced('Service', service);
  }
  if (node !== undefined && isDns1123Subdomain(node)) {
    return { target: { type: 'kubernetes', kind: 'Node', name: node, scope: '' }, namespace: '', clusterId };
  }
  return undefined;
}
