import type { Model } from '../api/api-types.js';

export interface ModelSections {
  featured: Model[];
  others: Model[];
}

/** Featured models come from both endpoints (the featured list and models flagged
 * `featured`); each model appears once, featured first, in the server's order. */
export function splitModels(featuredList: Model[], all: Model[]): ModelSections {
  const featured: Model[] = [];
  const seen = new Set<string>();
  for (const model of [...featuredList, ...all.filter((m) => m.featured === true)]) {
    if (!seen.has(model.id)) {
      seen.add(model.id);
      featured.push(model);
    }
  }
  const others = all.filter((model) => !seen.has(model.id));
  return { featured, others };
}

/** Case-insensitive match of every word of the query against id, title, subtitle and description. */
export function matchesQuery(model: Model, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    return true;
  }
  const haystack = [model.id, model.title, model.subtitle ?? '', model.description ?? '']
    .join(' ')
    .toLowerCase();
  return words.every((word) => haystack.includes(word));
}

export type IconKind =
  | { kind: 'image'; src: string }
  | { kind: 'iconify'; src: string; fallback: string }
  | { kind: 'text'; text: string };

/** An Iconify id, `prefix:name` (`simple-icons:openai`, `mdi:robot`): lower-case words joined by `-`. */
const ICONIFY_ID = /^([a-z0-9]+(?:-[a-z0-9]+)*):([a-z0-9]+(?:-[a-z0-9]+)*)$/;

/** An icon is an image URL (http(s), site-relative or an inline image), an Iconify id
 * (drawn from the service's own `/icons/<prefix>/<name>.svg`, never a third-party site),
 * or else short text such as an emoji; without one the title's first letter stands in. */
export function iconOf(model: Pick<Model, 'icon' | 'title' | 'id'>): IconKind {
  const icon = model.icon?.trim() ?? '';
  const letter = firstGraphemes(model.title.trim() || model.id, 1).toUpperCase() || '?';
  if (/^(https?:\/\/|\/(?!\/)|\.{1,2}\/|data:image\/(png|gif|jpeg|webp|svg\+xml)[;,])/i.test(icon)) {
    return { kind: 'image', src: icon };
  }
  const iconify = ICONIFY_ID.exec(icon);
  if (iconify !== null) {
    // Relative to <base href>: the service's root, also behind a path-prefixing proxy.
    return { kind: 'iconify', src: `icons/${iconify[1]}/${iconify[2]}.svg`, fallback: letter };
  }
  // Something shaped like `prefix:name` that is not a valid id must not show as two letters of it.
  if (icon !== '' && !/^[\w-]*:/.test(icon)) {
    return { kind: 'text', text: firstGraphemes(icon, 2) };
  }
  return { kind: 'text', text: letter };
}

/** An emoji can be several code points (skin tones, ZWJ sequences); cut between graphemes. */
function firstGraphemes(text: string, count: number): string {
  const segments = new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text);
  return Array.from(segments, (part) => part.segment)
    .slice(0, count)
    .join('');
}

/** Only http(s) documentation links are rendered; anything else is dropped. */
export function safeLink(url: string | undefined): string | null {
  if (url === undefined) {
    return null;
  }
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}
