import { modelListPlugin } from './model-list-plugin.js';

/** Approves a model that matches any pattern of `list`. */
export const whitelistPlugin = modelListPlugin(
  'whitelist',
  'APPROVE',
  (model, pattern) => `Model "${model}" is approved automatically (matches whitelist pattern "${pattern}")`,
);
