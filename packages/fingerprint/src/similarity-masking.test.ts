import { superLinearInputs } from '@gateway/testkit';
import { describe, expect, it } from 'vitest';
import { maskValue } from './similarity-masking.js';

describe('maskValue', () => {
  it.each([
    ['request 3F2504E0-4F89-11D3-9A0C-0305E82C3301 failed', 'request <uuid> failed'],
    ['10.0.0.1:9100', '<ip>'],
    ['10.0.0.2', '<ip>'],
    ['[2001:db8::1]:9100', '<ip>'],
    ['fe80::1ff:fe23:4567:890a', '<ip>'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '<ip>'],
    ['std::vector', 'std::vector'],
    ['a:b:c', 'a:b:c'],
    ['at 2025-01-02T03:00:01.123Z', 'at <ts>'],
    ['2025-01-02T03:00:01+02:00', '<ts>'],
    ['sha deadbeefcafe01', 'sha <hex>'],
    ['commit abc1234', 'commit abc<n>'],
    ['web-5d4b9cz7fk-x2x9z', 'web-<rs>-<pod>'],
    ['web-7d4b9c8f5d-x2x9z', 'web-<hex>-<pod>'],
    ['node-exporter-x2x9z', 'node-exporter-<pod>'],
    ['web-0', 'web-<n>'],
    ['Kafka-Partition-12', 'kafka-partition-<n>'],
    ['api', 'api'],
    ['', ''],
  ])('masks %j as %j', (value, expected) => {
    expect(maskValue(value)).toBe(expected);
  });

  it('grows at most linearly with the value for inputs that make a regex backtrack', async () => {
    const inputs = {
      digits: (n: number) => '1'.repeat(n),
      dots: (n: number) => '1.'.repeat(n / 2),
      colons: (n: number) => 'a:'.repeat(n / 2),
      hexShort: (n: number) => 'abcdefg'.repeat(n / 7),
      dashes: (n: number) => '-bcdfgh'.repeat(n / 7),
      dates: (n: number) => '2025-01-02t'.repeat(n / 11),
    };
    expect(await superLinearInputs(maskValue, inputs, { n: 2_000 })).toEqual({});
  });
});
