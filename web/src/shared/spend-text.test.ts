import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n/create-i18n.js';
import { spendText } from './spend-text.js';

describe('spendText', () => {
  const { t } = createI18n('en');

  it('states the spend against the budget and its period, in US dollars', () => {
    expect(spendText(t, { spend: 0.42, max_budget: 5, budget_duration: '30d' }, 'en')).toBe(
      '$0.42 of $5.00 per 30d',
    );
    expect(spendText(t, { spend: 1.5, max_budget: 10, budget_duration: null }, 'en')).toBe('$1.50 of $10.00');
    expect(spendText(t, { spend: 3, max_budget: null }, 'en')).toBe('$3.00 (no budget)');
  });

  it("writes amounts in the UI's language", () => {
    const text = spendText(createI18n('de').t, { spend: 1234.5, max_budget: 5000 }, 'de');
    expect(text.replace(/\s/g, ' ')).toBe('1.234,50 $ von 5.000,00 $');
  });

  it('says so when LiteLLM gave no figures', () => {
    expect(spendText(t, {}, 'en')).toBe('Not available');
  });
});
