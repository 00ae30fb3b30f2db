import type { SignalDraft } from '@gateway/contracts';
import { computeFingerprint, fingerprintInput, SignalDraftSchema } from '@gateway/contracts';
import { readFixture } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../parse-options.js';
import type { CommonSourceSettings } from '../source-definition.js';
import { SourceInputError } from '../source-definition.js';
import { jsonRequest, sourceContext } from '../testing/source-request.js';
import { parseArmResourceId } from './arm-resource-id.js';
import { azureMonitorSource } from './azure-monitor-source.js';

type Json = Record<string, unknown>;
type Alert = { schemaId: string; data: { essentials: Json; alertContext: Json; customProperties?: Json } };

const SUB = '11111111-1111-1111-1111-111111111111';
const ALERT_ID = `/subscriptions/${SUB}/providers/Microsoft.AlertsManagement/alerts/12345678-1234-1234-1234-1234567890ab`;

function parse(body: unknown, settings: Partial<CommonSourceSettings> = {}) {
  return azureMonitorSource.parse(jsonRequest(body), sourceContext(azureMonitorSource, { settings }));
}

async function onlySignal(body: unknown): Promise<SignalDraft> {
  const result = await parse(body);
  expect([result.ignored, result.rejected]).toEqual([[], []]);
  expect(result.signals).toHaveLength(1);
  const signal = result.signals[0]!;
  expect(SignalDraftSchema.parse(signal)).toEqual(signal);
  return signal;
}

function fixture(name: string): Alert {
  return readFixture<Alert>(name);
}

/** The metric fixture aimed at an AKS cluster with the given condition dimensions. */
function aksAlert(dimensions: Array<[string, string]>): Alert {
  const alert = fixture('azure_common_metric_alert_fired.json');
  alert.data.essentials.alertTargetIDs = [
    `/subscriptions/${SUB}/resourceGroups/Prod-RG/providers/Microsoft.ContainerService/managedClusters/Prod-AKS`,
  ];
  const condition = (alert.data.alertContext.condition as { allOf: Json[] }).allOf[0]!;
  condition.dimensions = dimensions.map(([name, value]) => ({ name, value }));
  return alert;
}

async function parseError(body: unknown): Promise<SourceInputError> {
  const error = await parse(body).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SourceInputError)) throw new Error(`expected SourceInputError, got ${String(error)}`);
  return error;
}

describe('azureMonitorSource.parse', () => {
  it('maps the documented example alert exactly', async () => {
    const body = fixture('azure_common_metric_alert_fired.json');
    const signal = await onlySignal(body);

    expect(signal).toEqual({
      index: 0,
      source: 'azure-monitor',
      sourceType: 'azure-monitor',
      signalSource: 'azure-monitor',
      status: 'firing',
      signalName: 'test-metricAlertRule',
      severity: 'Sev3',
      namespace: '',
      target: {
        type: 'azure',
        kind: 'microsoft.storage/storageaccounts',
        name: 'test-storageaccount',
        scope: `${SUB}/test-rg`,
      },
      clusterId: '',
      firingTime: '2021-11-15T09:35:24.346Z',
      labels: {
        alert_rule: 'test-metricAlertRule',
        signal_type: 'Metric',
        monitoring_service: 'Platform',
        azure_subscription: SUB,
        azure_resource_group: 'test-rg',
        azure_resource_type: 'microsoft.storage/storageaccounts',
        customKey1: 'value1',
        customKey2: 'value2',
      },
      annotations: { description: 'Alert rule description' },
      providerData: {
        alertId: ALERT_ID,
        originAlertId: `${SUB}_test-RG_microsoft.insights_metricAlerts_test-metricAlertRule_1234567890`,
        subscriptionId: SUB,
        resourceGroup: 'test-rg',
        resourceId: `/subscriptions/${SUB}/resourcegroups/test-RG/providers/Microsoft.Storage/storageAccounts/test-storageAccount`,
        resourceType: 'microsoft.storage/storageaccounts',
        monitoringService: 'Platform',
        signalType: 'Metric',
        conditionType: 'DynamicThresholdCriteria',
        windowStartTime: '2021-12-15T01:04:11.719Z',
        windowEndTime: '2021-12-15T01:19:11.719Z',
        conditions: [
          {
            metricName: 'Transactions',
            metricNamespace: 'Microsoft.Storage/storageAccounts',
            operator: 'GreaterThan',
            threshold: '0.3',
            metricValue: 78.09,
            dimensions: {},
          },
        ],
      },
      originalPayload: body,
      deliveryKey: `${ALERT_ID}|Fired|2021-11-15T09:35:24.3468506Z`,
      fingerprintInput: null,
    });
    expect(fingerprintInput(signal)).toBe(
      `test-metricAlertRule:${SUB}/test-rg:microsoft.storage/storageaccounts:test-storageaccount`,
    );
    expect(computeFingerprint(signal)).toBe('cdb2a2a7891cb2e8f2b2aa8f740ad885211c6b1dffed902c028b6975f0a31766');
  });

  it('resolves the resolved metric fixture, keyed by its resolution time', async () => {
    const signal = await onlySignal(fixture('azure_common_metric_alert_resolved.json'));
    const zero = '00000000-0000-0000-0000-000000000000';

    expect(signal.status).toBe('resolved');
    expect(signal.target).toEqual({
      type: 'azure',
      kind: 'microsoft.compute/virtualmachines',
      name: 'wcus-r2-gen2',
      scope: `${zero}/pipelinealertrg`,
    });
    expect(signal.firingTime).toBe('2019-03-22T13:58:24.371Z');
    expect(signal.labels).toEqual({
      alert_rule: 'WCUS-R2-Gen2',
      signal_type: 'Metric',
      monitoring_service: 'Platform',
      azure_subscription: zero,
      azure_resource_group: 'pipelinealertrg',
      azure_resource_type: 'microsoft.compute/virtualmachines',
      Key1: 'Value1',
      Key2: 'Value2',
      ResourceId: '3efad9dc-3d50-4eac-9c87-8b3fd6f97e4e',
    });
    expect(signal.annotations).toEqual({});
    expect(signal.deliveryKey).toBe(
      `/subscriptions/${zero}/providers/Microsoft.AlertsManagement/alerts/b9569717-bc32-442f-add5-83a997729330|Resolved|2019-03-22T14:03:16.2246313Z`,
    );
    expect(signal.providerData).toMatchObject({
      windowStartTime: '',
      windowEndTime: '',
      conditionType: 'SingleResourceMultipleMetricCriteria',
    });
  });

  it.each([
    ['azure_common_log_alert_v2_fired.json', 'firing', '2021-11-16T11:47:41.4728231Z', 'Fired'],
    ['azure_common_log_alert_v2_resolved.json', 'resolved', '2021-11-16T12:02:41.1953217Z', 'Resolved'],
  ])('maps the log alert V2 fixture %s', async (name, status, keyTime, condition) => {
    const body = fixture(name);
    const signal = await onlySignal(body);
    const allOf = (body.data.alertContext.condition as { allOf: Json[] }).allOf;

    expect(signal.status).toBe(status);
    expect(signal.target).toEqual({
      type: 'azure',
      kind: 'microsoft.operationalinsights/workspaces',
      name: 'test-loganalyticsworkspace',
      scope: `${SUB}/test-rg`,
    });
    expect(signal.labels).toEqual({
      alert_rule: 'test-logAlertRule-v2',
      signal_type: 'Log',
      monitoring_service: 'Log Alerts V2',
      azure_subscription: SUB,
      azure_resource_group: 'test-rg',
      azure_resource_type: 'microsoft.operationalinsights/workspaces',
      customKey1: 'value1',
      customKey2: 'value2',
      Computer: 'test-computer',
    });
    expect(signal.annotations).toEqual({
      description: 'Alert rule description',
      search_results_url: allOf[0]!.linkToFilteredSearchResultsUI,
    });
    expect(signal.providerData.conditions).toEqual([
      {
        metricName: '',
        metricNamespace: '',
        operator: 'GreaterThan',
        threshold: '0',
        metricValue: allOf[0]!.metricValue,
        dimensions: { Computer: 'test-computer' },
      },
    ]);
    expect(signal.deliveryKey).toBe(`${ALERT_ID}|${condition}|${keyTime}`);
    expect(signal.firingTime).toBe('2021-11-16T11:47:41.472Z');
  });

  it('maps the administrative activity-log fixture as a stateless firing alert with its operation', async () => {
    const signal = await onlySignal(fixture('azure_common_activity_log_administrative_fired.json'));

    expect(signal.status).toBe('firing');
    expect(signal.target).toEqual({
      type: 'azure',
      kind: 'microsoft.compute/virtualmachines',
      name: 'test-vm',
      scope: `${SUB}/test-rg`,
    });
    expect(signal.severity).toBe('Sev4');
    expect(signal.annotations).toEqual({
      description: 'Alert rule description',
      activity_operation: 'Microsoft.Compute/virtualMachines/restart/action',
    });
    expect(signal.labels).toMatchObject({
      eventCategory: 'Administrative',
      message: 'Microsoft.Compute/virtualMachines/restart/action',
      signal_type: 'Activity Log',
      monitoring_service: 'Activity Log - Administrative',
    });
    expect(signal.providerData.conditions).toEqual([]);
  });

  it('keeps only the string properties of the resource-health fixture as labels', async () => {
    const signal = await onlySignal(fixture('azure_common_activity_log_resourcehealth_fired.json'));

    expect(signal.status).toBe('firing');
    expect(signal.labels).toEqual({
      title: 'Rebooted by user',
      currentHealthStatus: 'Unavailable',
      previousHealthStatus: 'Available',
      type: 'Downtime',
      cause: 'UserInitiated',
      alert_rule: 'test-ResourceHealthAlertRule',
      signal_type: 'Activity Log',
      monitoring_service: 'Resource Health',
      azure_subscription: SUB,
      azure_resource_group: 'test-rg',
      azure_resource_type: 'microsoft.compute/virtualmachines',
    });
    expect(signal.annotations.activity_operation).toBe('Microsoft.Resourcehealth/healthevent/Activated/action');
  });

  it('resolves a Service Health communication at stage Resolved and targets the subscription', async () => {
    const body = fixture('azure_common_activity_log_servicehealth.json');
    const signal = await onlySignal(body);

    expect(signal.status).toBe('resolved');
    expect(signal.target).toEqual({
      type: 'azure',
      kind: 'microsoft.resources/subscriptions',
      name: SUB,
      scope: SUB,
    });
    expect(signal.labels).toMatchObject({
      azure_subscription: SUB,
      azure_resource_type: 'microsoft.resources/subscriptions',
      stage: 'Resolved',
    });
    expect(signal.labels.azure_resource_group).toBeUndefined();

    (body.data.alertContext.properties as Json).stage = 'Active';
    expect((await onlySignal(body)).status).toBe('firing');
  });

  it('lets built-in labels win over custom properties and dimensions of the same name', async () => {
    const body = fixture('azure_common_metric_alert_fired.json');
    body.data.customProperties = { alert_rule: 'spoofed', team: 'storage' };
    const condition = (body.data.alertContext.condition as { allOf: Json[] }).allOf[0]!;
    condition.dimensions = [
      { name: 'signal_type', value: 'spoofed' },
      { name: 'team', value: 'dimension' },
    ];
    const signal = await onlySignal(body);

    expect(signal.labels).toMatchObject({
      alert_rule: 'test-metricAlertRule',
      signal_type: 'Metric',
      team: 'dimension',
    });
  });

  it.each([
    [
      'a pod',
      [
        ['namespace', 'shop'],
        ['pod', 'cart-1'],
      ],
      { type: 'kubernetes', kind: 'Pod', name: 'cart-1', namespace: 'shop', scope: 'shop' },
      'shop',
    ],
    [
      'a Container insights pod',
      [
        ['Kubernetes namespace', 'shop'],
        ['podName', 'cart-2'],
      ],
      { type: 'kubernetes', kind: 'Pod', name: 'cart-2', namespace: 'shop', scope: 'shop' },
      'shop',
    ],
    [
      'a controller',
      [
        ['Kubernetes namespace', 'shop'],
        ['controllerName', 'cart'],
        ['controllerKind', 'Deployment'],
      ],
      { type: 'kubernetes', kind: 'Deployment', name: 'cart', namespace: 'shop', scope: 'shop' },
      'shop',
    ],
    [
      'a node',
      [['node', 'aks-nodepool1-12345-vmss000000']],
      { type: 'kubernetes', kind: 'Node', name: 'aks-nodepool1-12345-vmss000000', scope: '' },
      '',
    ],
  ])('targets %s named by an AKS alert', async (_case, dimensions, target, namespace) => {
    const signal = await onlySignal(aksAlert(dimensions as Array<[string, string]>));
    expect([signal.target, signal.namespace, signal.clusterId]).toEqual([target, namespace, 'prod-aks']);
  });

  it('keeps an AKS alert without Kubernetes dimensions on the cluster resource', async () => {
    const signal = await onlySignal(aksAlert([['namespace', 'shop']]));
    expect([signal.target, signal.clusterId]).toEqual([
      {
        type: 'azure',
        kind: 'microsoft.containerservice/managedclusters',
        name: 'prod-aks',
        scope: `${SUB}/prod-rg`,
      },
      '',
    ]);
  });

  it('substitutes the Unknown placeholder for an alert without a target id, or rejects it when configured', async () => {
    const body = fixture('azure_common_metric_alert_fired.json');
    body.data.essentials.alertTargetIDs = [];
    const accepted = await parse(body);
    expect(accepted.signals[0]!.target).toEqual({
      type: 'kubernetes',
      kind: 'Unknown',
      name: 'unknown',
      scope: 'default',
    });
    expect(accepted.stats).toEqual({ unresolvedTargets: 1 });

    expect(await parse(body, { unresolvedTarget: 'reject' })).toEqual({
      signals: [],
      ignored: [],
      rejected: [
        {
          index: 0,
          pointer: '/data/essentials/alertTargetIDs',
          message: 'data.essentials.alertTargetIDs[0] must be an Azure resource id: alert on a resource',
        },
      ],
    });
  });

  it.each([
    [
      'a schema other than the common alert schema',
      { schemaId: 'Microsoft.Insights/activityLogs', data: {} },
      'schemaId must be azureMonitorCommonAlertSchema: enable the common alert schema on the action group',
      '/schemaId',
    ],
    [
      'no schemaId',
      { data: { essentials: {} } },
      'schemaId must be azureMonitorCommonAlertSchema: enable the common alert schema on the action group',
      '/schemaId',
    ],
    [
      'no essentials',
      { schemaId: 'azureMonitorCommonAlertSchema', data: {} },
      'data.essentials is required in a common alert schema body',
      '/data/essentials',
    ],
    [
      'no alertRule',
      { schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { monitorCondition: 'Fired' } } },
      'data.essentials.alertRule is required',
      '/data/essentials/alertRule',
    ],
    [
      'an unknown monitorCondition',
      {
        schemaId: 'azureMonitorCommonAlertSchema',
        data: { essentials: { alertRule: 'r', monitorCondition: 'Paused' } },
      },
      'data.essentials.monitorCondition must be Fired or Resolved',
      '/data/essentials/monitorCondition',
    ],
    ['a body that is not an object', [1], 'body must be an Azure Monitor alert JSON object', ''],
  ])('throws SourceInputError (400) for %s', async (_case, body, message, pointer) => {
    const error = await parseError(body);
    expect([error.message, error.pointer]).toEqual([message, pointer]);
  });
});

describe('parseArmResourceId', () => {
  it('splits nested types and names below the provider namespace', () => {
    expect(
      parseArmResourceId('/subscriptions/S/resourceGroups/RG/providers/Microsoft.Sql/servers/Srv/databases/DB'),
    ).toEqual({
      subscriptionId: 's',
      resourceGroup: 'rg',
      kind: 'microsoft.sql/servers/databases',
      name: 'srv/db',
      scope: 's/rg',
    });
  });

  it('reads resource groups and subscription-level resources, and refuses anything else', () => {
    expect(parseArmResourceId('/subscriptions/s/resourceGroups/rg')).toEqual({
      subscriptionId: 's',
      resourceGroup: 'rg',
      kind: 'microsoft.resources/resourcegroups',
      name: 'rg',
      scope: 's/rg',
    });
    expect(parseArmResourceId('/subscriptions/s/providers/Microsoft.Web/hostingEnvironments/ase')?.scope).toBe('s');
    expect(parseArmResourceId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites')).toBeUndefined();
    expect(parseArmResourceId('/tenants/t')).toBeUndefined();
    expect(parseArmResourceId('')).toBeUndefined();
  });
});

describe('azureMonitorSource definition', () => {
  it('takes tokens from the query by default and answers rate limits with 429', () => {
    expect([
      azureMonitorSource.type,
      azureMonitorSource.signalSource,
      azureMonitorSource.defaultAuthMode,
      azureMonitorSource.defaultAllowQueryToken,
      azureMonitorSource.rateLimitStatus,
    ]).toEqual(['azure-monitor', 'azure-monitor', 'token', true, 429]);
    expect(parseOptions(azureMonitorSource, undefined)).toEqual({});
  });
});
