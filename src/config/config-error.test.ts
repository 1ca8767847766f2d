import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { firstSchemaProblem, pointerToPath } from './config-error.js';

const closed = { additionalProperties: false } as const;
const Entry = Type.Object(
  { name: Type.String({ minLength: 1 }), config: Type.Optional(Type.Object({})) },
  closed,
);
const Schema = Type.Object(
  {
    plugins: Type.Optional(Type.Union([Type.Array(Entry), Type.Null()])),
    timeout: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.String()])),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    port: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  closed,
);

function problemOf(value: unknown) {
  return firstSchemaProblem(Value.Errors(Schema, value));
}

describe('firstSchemaProblem', () => {
  it('finds nothing in a valid value', () => {
    expect(problemOf({ plugins: [{ name: 'a' }], timeout: '5s', port: 1 })).toBeNull();
  });

  it('reports an unknown key, escaped as a JSON pointer', () => {
    expect(problemOf({ 'a/b': 1 })).toEqual({ pointer: '/a~1b', problem: 'unknown key' });
    expect(pointerToPath('/a~1b')).toBe('a/b');
  });

  it('reports a missing key before an unrelated unknown one', () => {
    expect(problemOf({ plugins: [{ config: {}, list: [] }] })).toEqual({
      pointer: '/plugins/0/name',
      problem: 'is required',
    });
  });

  it('reports an unknown key that looks like a misspelt missing one as the typo', () => {
    expect(problemOf({ plugins: [{ name: 'a' }, { nmae: 'b' }] })).toEqual({
      pointer: '/plugins/1/nmae',
      problem: 'unknown key',
    });
  });

  it('explains a union by its types, or by the constraint of the branch the value fits', () => {
    expect(problemOf({ timeout: true })).toEqual({
      pointer: '/timeout',
      problem: 'must be number or string',
    });
    expect(problemOf({ timeout: 0 })).toEqual({ pointer: '/timeout', problem: 'must be > 0' });
    expect(problemOf({ plugins: 5 })).toEqual({ pointer: '/plugins', problem: 'must be array or null' });
  });

  it('says an empty string must not be empty, and words other issues as the schema does', () => {
    expect(problemOf({ plugins: [{ name: '' }] })).toEqual({
      pointer: '/plugins/0/name',
      problem: 'must not be empty',
    });
    expect(problemOf({ port: 0 })).toEqual({ pointer: '/port', problem: 'must be >= 1' });
    expect(problemOf({ headers: { 'X-Retries': 3 } })).toEqual({
      pointer: '/headers/X-Retries',
      problem: 'must be string',
    });
  });

  it('never echoes the offending value', () => {
    expect(JSON.stringify(problemOf({ port: 'hunter2' }))).not.toContain('hunter2');
  });
});

describe('pointerToPath', () => {
  it.each([
    ['/approval_plugins/2/config/list', '', 'approval_plugins[2].config.list'],
    ['/0/config/list', 'approvals', 'approvals[0].config.list'],
    ['', '', '(root)'],
  ])('turns %j (prefix %j) into %j', (pointer, prefix, path) => {
    expect(pointerToPath(pointer, prefix)).toBe(path);
  });
});
