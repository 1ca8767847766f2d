import { describe, expect, it } from 'vitest';
import { CASES, parseOptions } from './options.js';

describe('bench options', () => {
  it('defaults to the settings of the issue: 3 rounds of 8 s, 2,000 requests, 100 and 10,000 stored', () => {
    const options = parseOptions([], {});
    expect(options).toMatchObject({
      rounds: 3,
      seconds: 8,
      pipelineRequests: 2000,
      kubernetesSizes: [100, 10_000],
      out: null,
    });
    expect([...options.only]).toEqual([...CASES]);
  });

  it('takes shorter runs from the environment and a subset of cases from --only', () => {
    const options = parseOptions(['--only', 'models,pipeline', '--out', 'x.json'], {
      BENCH_ROUNDS: '1',
      BENCH_SECONDS: '2',
    });
    expect(options.rounds).toBe(1);
    expect(options.seconds).toBe(2);
    expect([...options.only]).toEqual(['models', 'pipeline']);
    expect(options.out).toBe('x.json');
  });

  it('names what it cannot use', () => {
    expect(() => parseOptions(['--only', 'everything'], {})).toThrow(/unknown case "everything"/);
    expect(() => parseOptions(['--only'], {})).toThrow(/--only needs a value/);
    expect(() => parseOptions([], { BENCH_SECONDS: '0' })).toThrow(/BENCH_SECONDS must be a whole number/);
    expect(() => parseOptions(['--fast'], {})).toThrow(/unknown argument "--fast"/);
  });
});
