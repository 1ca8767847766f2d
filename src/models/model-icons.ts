import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getIconData } from '@iconify/utils/lib/icon-set/get-icon';
import { iconToSVG } from '@iconify/utils/lib/svg/build';
import { iconToHTML } from '@iconify/utils/lib/svg/html';
import type { AppConfig } from '../config/app-config.js';
import { iconSubset } from './iconify-json.js';

/** The icon of a model the LiteLLM proxy offers but the config does not describe (the original's). */
export const PROXY_MODEL_ICON = 'mdi:robot';

/** An Iconify id, `prefix:name` in lower-case words joined by `-` (`simple-icons:openai`).
 * The web UI (web/src/request/model-list.ts) applies the same rule to decide what it asks
 * `/icons/<prefix>/<name>.svg` for. */
const ICONIFY_ID = /^([a-z0-9]+(?:-[a-z0-9]+)*):([a-z0-9]+(?:-[a-z0-9]+)*)$/;

export interface IconName {
  prefix: string;
  name: string;
}

export function parseIconifyId(icon: string): IconName | null {
  const match = ICONIFY_ID.exec(icon.trim());
  return match?.[1] === undefined || match[2] === undefined ? null : { prefix: match[1], name: match[2] };
}

/** An icon the config names, with the key it was written under (for the start-up warning). */
export interface ConfiguredIcon {
  key: string;
  icon: string;
}

/** Every icon field of the configured models, plus the proxy models' default icon when
 * the proxy's models are offered. */
export function configuredIcons(
  config: Pick<AppConfig, 'models' | 'featuredModels' | 'litellm'>,
): ConfiguredIcon[] {
  const icons: ConfiguredIcon[] = [];
  for (const [section, models] of [
    ['models', config.models],
    ['featured_models', config.featuredModels],
  ] as const) {
    models.forEach((model, index) => {
      if (model.icon !== undefined && model.icon.trim() !== '') {
        icons.push({ key: `${section}[${index}].icon`, icon: model.icon });
      }
    });
  }
  if (config.litellm.enableModels) {
    icons.push({ key: 'litellm.enable_litellm_models', icon: PROXY_MODEL_ICON });
  }
  return icons;
}

export interface ModelIcons {
  /** The SVG document of a configured Iconify icon; undefined for any other. */
  svg(prefix: string, name: string): string | undefined;
}

export interface ModelIconsDeps {
  icons: ConfiguredIcon[];
  /** The text of `@iconify-json/<prefix>/icons.json`; null when no such set is installed. */
  readIconSet?: (prefix: string) => Buffer | null;
  logger: { warn(obj: object, msg: string): void };
}

/** Builds, once at start-up, the SVG of every Iconify icon the config names, from the icon
 * sets installed as npm packages (never from a CDN). Only the sets the config uses are read,
 * and only the named icons are kept: the process holds a few kilobytes, not the sets.
 * An id that no installed set has is logged as a warning and not served (the UI then shows
 * the model title's first letter): a cosmetic mistake must not stop the portal. */
export function loadModelIcons({
  icons,
  readIconSet = readInstalledIconSet,
  logger,
}: ModelIconsDeps): ModelIcons {
  const wanted = new Map<string, Map<string, string[]>>();
  for (const { key, icon } of icons) {
    const id = parseIconifyId(icon);
    if (id === null) {
      if (looksLikeIconifyId(icon)) {
        logger.warn(
          { key, icon },
          `${key}: ${JSON.stringify(icon)} is neither an image URL nor an Iconify id (prefix:name, lower case); the portal shows the title's first letter`,
        );
      }
      continue;
    }
    const names = wanted.get(id.prefix) ?? new Map<string, string[]>();
    names.set(id.name, [...(names.get(id.name) ?? []), key]);
    wanted.set(id.prefix, names);
  }

  const svgs = new Map<string, string>();
  for (const [prefix, names] of wanted) {
    const json = readIconSet(prefix);
    if (json === null) {
      for (const [name, keys] of names) {
        logger.warn(
          { key: keys[0], icon: `${prefix}:${name}` },
          `${keys.join(', ')}: no Iconify icon set "${prefix}" is installed (@iconify-json/${prefix}); the portal shows the title's first letter`,
        );
      }
      continue;
    }
    const subset = iconSubset(json, names.keys());
    for (const [name, keys] of names) {
      const data = getIconData(subset, name);
      if (data === null) {
        logger.warn(
          { key: keys[0], icon: `${prefix}:${name}` },
          `${keys.join(', ')}: the icon set "${prefix}" has no icon "${name}"; the portal shows the title's first letter`,
        );
        continue;
      }
      // height auto: the icon's own size (24 × 24 for mdi and simple-icons); the UI scales it.
      const built = iconToSVG(data, { height: 'auto' });
      svgs.set(`${prefix}:${name}`, iconToHTML(built.body, built.attributes));
    }
  }
  return { svg: (prefix, name) => svgs.get(`${prefix}:${name}`) };
}

/** `word:rest` that is not an image URL: meant as an Iconify id, but not a valid one. */
function looksLikeIconifyId(icon: string): boolean {
  const value = icon.trim();
  return /^[\w-]+:/.test(value) && !/^(?:https?|data):/i.test(value);
}

const requireFromHere = createRequire(import.meta.url);

/** The icons.json of an installed `@iconify-json/<prefix>` package. The prefix has passed
 * ICONIFY_ID, so it cannot name a path outside that scope. */
function readInstalledIconSet(prefix: string): Buffer | null {
  let path: string;
  try {
    path = requireFromHere.resolve(`@iconify-json/${prefix}/icons.json`);
  } catch {
    return null;
  }
  return readFileSync(path);
}
