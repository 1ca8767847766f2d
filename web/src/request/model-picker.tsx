import { useId, useState } from 'react';
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
        Choose a model
      </legend>
      {error !== undefined && (
        <p id="llm-error" className="field-error">
          {error}
        </p>
      )}
      {total > 6 && (
        <div className="search">
          <label htmlFor={searchId}>Search models</label>
          <input
            id={searchId}
            type="search"
            value={query}
            placeholder="Name, id or description"
            autoComplete="off"
            onChange={(event) => setQuery(event.target.value)}
          />
          <p className="search-count" aria-live="polite">
            {query.trim() === '' ? `${total} models` : `${shown} of ${total} models match`}
          </p>
        </div>
      )}
      {featured.length > 0 && (
        <section aria-labelledby="featured-heading">
          <h2 id="featured-heading" className="section-title">
            Featured
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
            {sections.featured.length > 0 ? 'All other models' : 'All models'}
          </h2>
          <div className="model-grid">
            {others.map((model) => (
              <ModelCard key={model.id} model={model} checked={model.id === selected} onSelect={onSelect} />
            ))}
          </div>
        </section>
      )}
      {total === 0 && <p className="empty">No models are offered right now. Please check back later.</p>}
      {total > 0 && shown === 0 && <p className="empty">No model matches “{query.trim()}”.</p>}
      {selectedHidden && (
        <p className="hint">
          Selected: <strong>{selectedModel.title || selectedModel.id}</strong> (hidden by the search)
        </p>
      )}
    </fieldset>
  );
}
