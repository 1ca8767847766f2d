import type { ChangeEvent, CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import type { Model } from '../api/api-types.js';
import { iconOf, safeLink } from './model-list.js';
import { useIconMask } from './use-icon-mask.js';

/** A model as a selectable card: a real radio input inside a label, so arrow keys,
 * Space and screen readers work as with any radio group. */
export function ModelCard({
  model,
  checked,
  onSelect,
  featured = false,
}: {
  model: Model;
  checked: boolean;
  onSelect: (id: string) => void;
  featured?: boolean;
}) {
  const { t } = useTranslation();
  const docs = safeLink(model.documentation_link);
  const accent = model.color !== undefined && isColor(model.color) ? model.color : undefined;
  const describedBy = `model-${cssId(model.id)}-desc`;
  return (
    <div
      className={`model-card${checked ? ' is-selected' : ''}${featured ? ' is-featured' : ''}`}
      style={accent === undefined ? undefined : ({ '--model-color': accent } as CSSProperties)}
      data-model-id={model.id}
    >
      <label className="model-card-label">
        <input
          className="model-radio"
          type="radio"
          name="llm"
          value={model.id}
          checked={checked}
          onChange={(event: ChangeEvent<HTMLInputElement>) => onSelect(event.target.value)}
          aria-describedby={describedBy}
        />
        <span className="model-card-top">
          <ModelIcon model={model} />
          <span className="model-card-names">
            <span className="model-title">{model.title || model.id}</span>
            <span className="model-id">{model.id}</span>
          </span>
          <span className="model-check" aria-hidden="true" />
        </span>
        <span id={describedBy} className="model-card-text">
          {model.subtitle !== undefined && <span className="model-subtitle">{model.subtitle}</span>}
          {model.description !== undefined && <span className="model-description">{model.description}</span>}
        </span>
      </label>
      {docs !== null && (
        <a className="model-docs" href={docs} target="_blank" rel="noopener noreferrer">
          {t('picker.documentation')}
          <span className="visually-hidden">
            {' '}
            {t('picker.documentationFor', { model: model.title || model.id })}
          </span>
        </a>
      )}
    </div>
  );
}

function ModelIcon({ model }: { model: Model }) {
  const icon = iconOf(model);
  if (icon.kind === 'image') {
    return (
      <span className="model-icon" aria-hidden="true">
        <img src={icon.src} alt="" width={28} height={28} loading="lazy" referrerPolicy="no-referrer" />
      </span>
    );
  }
  if (icon.kind === 'iconify') {
    return <IconifyIcon src={icon.src} fallback={icon.fallback} />;
  }
  return (
    <span className="model-icon" aria-hidden="true">
      {icon.text}
    </span>
  );
}

/** An Iconify icon from the service, drawn in the model's colour through a CSS mask;
 * the title's letter while it loads and when the service has no such icon. */
function IconifyIcon({ src, fallback }: { src: string; fallback: string }) {
  const mask = useIconMask(src);
  return (
    <span className="model-icon" aria-hidden="true" data-icon={src}>
      {mask.state === 'ready' ? (
        <span className="icon-mask" style={{ maskImage: mask.css, WebkitMaskImage: mask.css }} />
      ) : (
        <span className={mask.state === 'loading' ? 'icon-pending' : undefined}>{fallback}</span>
      )}
    </span>
  );
}

/** A configured colour that the browser does not understand falls back to the theme accent. */
function isColor(value: string): boolean {
  return typeof CSS !== 'undefined' && CSS.supports('color', value);
}

function cssId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}
