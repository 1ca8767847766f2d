import type { ModelView } from './model-catalog.js';
import { PROXY_MODEL_ICON } from './model-icons.js';

/** How a model the LiteLLM proxy lists, and the config does not, is shown: the original
 * service's rule, so portals and scripts see the same titles and icons as before. */
export function proxyModelView(id: string): ModelView {
  return {
    id,
    title: pythonTitle(id.replaceAll('-', ' ')),
    icon: PROXY_MODEL_ICON,
    color: '#6366f1',
    description: `Model from LiteLLM: ${id}`,
  };
}

/** Python's `str.title()`: a letter after a letter is lower-cased, any other letter upper-cased,
 * so `gpt 4o mini` becomes `Gpt 4O Mini` and `openai/gpt 4` becomes `Openai/Gpt 4`. */
export function pythonTitle(text: string): string {
  let previousCased = false;
  let title = '';
  for (const char of text) {
    const cased = char.toLowerCase() !== char.toUpperCase();
    title += cased ? (previousCased ? char.toLowerCase() : char.toUpperCase()) : char;
    previousCased = cased;
  }
  return title;
}
