import { useId, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { ModelCard } from './model-card.js';
import { type ModelSections, matchesQuery } from './model-list.js';

/** Featured models first, then the rest; one search box filters both, and one radio
 * group (name "llm") spans both so arrow keys move through every visible model. */
export function ModelPicker({
  sections,
  selected,
  onSelect,
  error,
}: {
  sections: ModelSections;
  selected: string | null;
  onSelect: (id: string) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const searchId = useId();
  const featured = sections.featured.filter((model) => matchesQuery(model, query));
  const others = sections.others.filter((model) => matchesQuery(model, query));
  const total = sections.featured.length + sections.others.length;
  const shown = featured.length + others.length;
  const selectedModel = [...sections.featured, ...sections.others].find((model) => model.id === selected);
  const selectedHidden = selectedModel !== undefined && !matchesQuery(selectedModel, query);

  return (
    <fieldset
      className="step model-step"
      aria-describedby={error === undefined ? undefined : 'llm-error'}
      aria-invalid={error === undefined ? undefined : true}
    >
      <legend className="step-title">
        <span className="step-number" aria-hidden="true">
          1
        </span>
        {t('picker.legend')}
      </legend>
      {error !== undefined && (
        <p id="llm-error" className="field-error">
          {error}
        </p>
      )}
      {total > 6 && (
        <div className="search">
          <label htmlFor={searchId}>{t('picker.search')}</label>
          <input
            id={searchId}
            type="search"
            value={query}
            placeholder={t('picker.searchPlaceholder')}
            autoComplete="off"
            onChange={(event) => setQuery(event.target.value)}
          />
          <p className="search-count" aria-live="polite">
            {query.trim() === '' ? t('picker.count', { count: total }) : t('picker.shown', { shown, total })}
          </p>
        </div>
      )}
      {featured.length > 0 && (
        <section aria-labelledby="featured-heading">
          <h2 id="featured-heading" className="section-title">
            {t('picker.featured')}
          </h2>
          <div className="model-grid featured-grid">
            {featured.map((model) => (
              <ModelCard
                key={model.id}
                model={model}
                checked={model.id === selected}
                onSelect={onSelect}
                featured
              />
            ))}
          </div>
        </section>
      )}
      {others.length > 0 && (
        <section aria-labelledby="all-heading">
          <h2 id="all-heading" className="section-title">
            {sections.featured.length > 0 ? t('picker.others') : t('picker.all')}
          </h2>
          <div className="model-grid">
            {others.map((model) => (
              <ModelCard key={model.id} model={model} checked={model.id === selected} onSelect={onSelect} />
            ))}
          </div>
        </section>
      )}
      {total === 0 && <p className="empty">{t('picker.none')}</p>}
      {total > 0 && shown === 0 && <p className="empty">{t('picker.noMatch', { query: query.trim() })}</p>}
      {selectedHidden && (
        <p className="hint">
          <Trans
            i18nKey="picker.selectedHidden"
            values={{ model: selectedModel.title || selectedModel.id }}
            components={{ strong: <strong /> }}
          />
        </p>
      )}
    </fieldset>
  );
}
