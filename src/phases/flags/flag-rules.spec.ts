import { bucketOf, flagSeed } from './bucket.js';
import { CompiledRules, ruleErrors, type FlagRule } from './flag-rules.js';

const messages = (rules: unknown) => ruleErrors(rules).map((e) => `${e.field}: ${e.messages.join()}`);

describe('flag rules', () => {
  it('matches a scope: any value of a dimension, every dimension given', () => {
    const rules = new CompiledRules('f', [{ scope: { stations: ['ST-WELD', 'ST-CUT'], products: ['P-1'] } }]);
    expect(rules.evaluate({ station: 'ST-WELD', product: 'P-1' })).toEqual({ value: true, reason: 'TARGETING_MATCH' });
    expect(rules.evaluate({ station: 'ST-CUT', product: 'P-1' }).value).toBe(true);
    expect(rules.evaluate({ station: 'ST-WELD', product: 'P-2' })).toEqual({ value: false, reason: 'DEFAULT' });
    expect(rules.evaluate({ station: 'ST-WELD' })).toEqual({ value: false, reason: 'DEFAULT' });
  });

  it('lets the first matching rule decide, and splits by the named bucketing key', () => {
    const list: FlagRule[] = [{ scope: { stations: ['ST-WELD'] } }, { percentage: 50, bucketBy: 'job' }];
    const rules = new CompiledRules('f', list);
    expect(rules.evaluate({ station: 'ST-WELD', job: 'J-1' }).reason).toBe('TARGETING_MATCH');
    const seed = flagSeed('f');
    for (const job of ['J-1', 'J-2', 'J-3', 'J-4', 'J-5']) {
      const split = rules.evaluate({ station: 'ST-CUT', job, targetingKey: 'ignored' });
      expect(split).toEqual({ value: bucketOf(seed, job) < 5000, reason: 'SPLIT' });
    }
    // work that cannot be bucketed is not matched by a percentage rule
    expect(rules.evaluate({ station: 'ST-CUT' })).toEqual({ value: false, reason: 'DEFAULT' });
  });

  it('reads 0% as nobody and 100% as everybody with a key', () => {
    expect(new CompiledRules('f', [{ percentage: 0 }]).evaluate({ targetingKey: 'a' }).value).toBe(false);
    expect(new CompiledRules('f', [{ percentage: 100 }]).evaluate({ targetingKey: 'a' }).value).toBe(true);
  });

  it('names each bad field', () => {
    expect(messages([{ scope: { stations: ['ST-WELD'] }, percentage: 12.5, bucketBy: 'token' }])).toEqual([]);
    expect(messages({})).toEqual(['rules: must be a list of rules']);
    expect(
      messages([
        {},
        { scope: { station: ['X'] } },
        { scope: { stations: [] } },
        { percentage: 101 },
        { percentage: 1.234 },
        { percentage: '5' },
        { scope: { jobs: [' J'] }, bucketBy: 'job' },
        { percentage: 5, bucketBy: 'serial', extra: 1 },
        'x',
      ]),
    ).toEqual([
      'rules.0: a rule needs a scope, a percentage, or both',
      'rules.1.scope.station: is not a scope; scopes are stations, nodes, graphs, products, customers, jobs',
      'rules.2.scope.stations: must be 1 to 500 codes (1 to 100 characters, no spaces around)',
      'rules.3.percentage: must be a number from 0 to 100 with at most two decimals',
      'rules.4.percentage: must be a number from 0 to 100 with at most two decimals',
      'rules.5.percentage: must be a number from 0 to 100 with at most two decimals',
      'rules.6.scope.jobs: must be 1 to 500 codes (1 to 100 characters, no spaces around)',
      'rules.6.bucketBy: only a rule with a percentage buckets',
      'rules.7.extra: is not a rule field',
      'rules.7.bucketBy: must be one of targetingKey, station, node, graph, product, customer, job, token',
      'rules.8: must be an object with scope, percentage and/or bucketBy',
    ]);
  });
});
