import type { TFunction } from 'i18next';

/** A key's spend and budget as LiteLLM reports them (USD); `spend` is missing when LiteLLM
 * did not answer or there is no key. */
export interface KeyUsage {
  spend?: number | undefined;
  max_budget?: number | null | undefined;
  budget_duration?: string | null | undefined;
}

/** "$0.42 of $5.00 per 30d", in the UI's language (amounts through Intl). */
export function spendText(t: TFunction, usage: KeyUsage, language: string): string {
  if (usage.spend === undefined) {
    return t('money.unknown');
  }
  const money = new Intl.NumberFormat(language, { style: 'currency', currency: 'USD' });
  const spend = money.format(usage.spend);
  if (usage.max_budget === null || usage.max_budget === undefined) {
    return t('money.noBudget', { spend });
  }
  const budget = money.format(usage.max_budget);
  return usage.budget_duration === null || usage.budget_duration === undefined
    ? t('money.spendOf', { spend, budget })
    : t('money.spendOfPer', { spend, budget, period: usage.budget_duration });
}
