import { describe, expect, it } from 'vitest';
import { emailShapeProblem } from './email-shape.js';

describe('emailShapeProblem', () => {
  it('accepts plain addresses, ignoring surrounding blanks', () => {
    expect(emailShapeProblem('ada@example.com')).toBeNull();
    expect(emailShapeProblem('  Ada.Lovelace+llm@Example.co.uk ')).toBeNull();
  });

  it('leaves stricter rules to the server', () => {
    expect(emailShapeProblem('someone@example')).toBeNull();
  });

  it('names an empty field, spaces and a missing or doubled @', () => {
    expect(emailShapeProblem('   ')).toBe('empty');
    expect(emailShapeProblem('ada lovelace@example.com')).toBe('spaces');
    expect(emailShapeProblem('ada.example.com')).toBe('shape');
    expect(emailShapeProblem('ada@@example.com')).toBe('shape');
    expect(emailShapeProblem('@example.com')).toBe('shape');
  });
});
