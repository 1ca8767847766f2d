/** A model list that exercises the cards (emoji and Iconify icons, an Iconify id no icon set
 * has, which shows the title's letter; colours, descriptions,
 * featured, documentation links) and an approval chain with one path per outcome:
 * gpt-* is approved at once, claude-* parked for review, anything else denied. */
export const E2E_CONFIG = `
models:
  - id: gpt-4o
    title: GPT-4o
    icon: "✨"
    color: "#10a37f"
    subtitle: OpenAI
    description: Fast, capable general model for chat and code.
    documentation_link: https://platform.openai.com/docs/models
    featured: true
  - id: claude-3-5-sonnet
    title: Claude 3.5 Sonnet
    icon: "🪶"
    color: "#d97757"
    subtitle: Anthropic
    description: Careful writing and long documents. Requests are reviewed by an admin.
    featured: true
  - id: ollama/llama3
    title: Llama 3 (on-prem)
    icon: "🦙"
    color: "#6366f1"
    description: Runs inside the company network.
  - id: mistral-large
    title: Mistral Large
    icon: "mdi:weather-windy"
    color: "#f97316"
    description: European model with strong multilingual skills.
  - id: text-embedding-3-small
    title: Embeddings (small)
    icon: "mdi:no-such-icon"
    description: Vector embeddings for search and retrieval.
  - id: gpt-4o-mini
    title: GPT-4o mini
    icon: "simple-icons:openai"
    color: "#0ea5e9"
    description: Cheaper and quicker for simple tasks.
  - id: whisper-1
    title: Whisper
    icon: "🎙️"
    color: "#a855f7"
    description: Speech to text.
litellm:
  enable_litellm_models: false
approval_plugins:
  - name: review
    config: {patterns: ["claude-*"]}
  - name: whitelist
    config: {list: ["gpt-*"]}
`;

export const ADMIN_ENV = { ADMIN_USERNAME: 'reviewer', ADMIN_PASSWORD: 'correct horse battery' };

/** The same, with keys that expire after 30 days and carry a budget: for the pages that show
 * a key's expiry, spend and budget. */
export const E2E_KEY_CONFIG = E2E_CONFIG.replace(
  'litellm:\n  enable_litellm_models: false\n',
  'litellm:\n  enable_litellm_models: false\n  key_defaults: {duration: 30d, max_budget: 5, budget_duration: 30d}\n',
);
