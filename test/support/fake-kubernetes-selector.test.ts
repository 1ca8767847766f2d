import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector, SelectorError } from './fake-kubernetes-selector.js';

const labels = { app: 'web', tier: 'front', 'example.com/team': 'a', count: '5', empty: '' };
const select = (selector: string, on: Record<string, string> | undefined = labels) =>
  matchesLabels(parseLabelSelector(selector), on);

describe('label selector parsing', () => {
  it('parses every operator kind', () => {
    expect(parseLabelSelector('a=1, b==2,c!=3,d in (x, y),e notin (z),f,!g,h>4,i<5,example.com/j=k')).toEqual(
      [
        { key: 'a', op: 'in', values: ['1'] },
        { key: 'b', op: 'in', values: ['2'] },
        { key: 'c', op: 'notin', values: ['3'] },
        { key: 'd', op: 'in', values: ['x', 'y'] },
        { key: 'e', op: 'notin', values: ['z'] },
        { key: 'f', op: 'exists' },
        { key: 'g', op: 'absent' },
        { key: 'h', op: 'gt', value: 4 },
        { key: 'i', op: 'lt', value: 5 },
        { key: 'example.com/j', op: 'in', values: ['k'] },
      ],
    );
  });

  it('selects everything with the empty selector', () => {
    expect(parseLabelSelector('')).toEqual([]);
    expect(parseLabelSelector('   ')).toEqual([]);
    expect(select('', undefined)).toBe(true);
  });

  it('accepts an empty value after =', () => {
    expect(parseLabelSelector('empty=')).toEqual([{ key: 'empty', op: 'in', values: [''] }]);
    expect(select('empty=')).toBe(true);
    expect(select('app=')).toBe(false);
  });

  it.each([
    ['a in ()', /can't be empty/],
    ['a in (x', /unterminated/],
    ['a=1,', /trailing/],
    [',a=1', /unexpected/],
    ['a b', /unexpected "b" after key/],
    ['bad key!=1', /unexpected "key" after key/],
    ['-a=1', /invalid label key/],
    ['a=b c', /expected ","/],
    [`a=${'x'.repeat(64)}`, /invalid label value/],
    ['a>x', /integer/],
    ['!', /label key/],
    ['a in x', /expected "\("/],
  ])('rejects %j', (selector, message) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorError);
    expect(() => parseLabelSelector(selector)).toThrow(message);
  });
});

describe('label selector matching', () => {
  it('matches equality and set membership', () => {
    expect(select('app=web')).toBe(true);
    expect(select('app==web,tier=front')).toBe(true);
    expect(select('app=web,tier=back')).toBe(false);
    expect(select('tier in (back, front)')).toBe(true);
    expect(select('tier in (back)')).toBe(false);
    expect(select('example.com/team=a')).toBe(true);
  });

  it('lets != and notin match objects without the label, like the API server', () => {
    expect(select('missing!=x')).toBe(true);
    expect(select('missing notin (x)')).toBe(true);
    expect(select('app!=web')).toBe(false);
    expect(select('app notin (web,api)')).toBe(false);
    expect(select('app!=api')).toBe(true);
  });

  it('tests presence and absence', () => {
    expect(select('app')).toBe(true);
    expect(select('missing')).toBe(false);
    expect(select('!missing')).toBe(true);
    expect(select('!app')).toBe(false);
    expect(select('missing=x')).toBe(false);
    expect(select('missing in (x)')).toBe(false);
  });

  it('compares integers with > and <', () => {
    expect(select('count>4')).toBe(true);
    expect(select('count>5')).toBe(false);
    expect(select('count<6')).toBe(true);
    expect(select('app>1')).toBe(false);
    expect(select('missing<1')).toBe(false);
  });
});
