import { modelListPlugin } from './model-list-plugin.js';

/** Denies a model that matches any pattern of `list`. */
export const blacklistPlugin = modelListPlugin(
  'blacklist',
  'DENY',
  (model, pattern) => `Model "${model}" is blocked (matches blacklist pattern "${pattern}")`,
);
