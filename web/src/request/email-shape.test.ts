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

  it('explains an empty field, spaces and a missing or doubled @', () => {
    expect(emailShapeProblem('   ')).toBe('Enter your email address.');
    expect(emailShapeProblem('ada lovelace@example.com')).toBe('An email address cannot contain spaces.');
    expect(emailShapeProblem('ada.example.com')).toMatch(/like name@example.com/);
    expect(emailShapeProblem('ada@@example.com')).toMatch(/like name@example.com/);
    expect(emailShapeProblem('@example.com')).toMatch(/like name@example.com/);
  });
});
