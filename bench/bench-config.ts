/** The product's configuration under load: ten models as a real catalog would list them, and
 * one chain for every case. The HTTP cases submit REVIEW_MODEL, which the chain parks for an
 * admin (nobody is notified: `admin.notify` is empty), so they send no mail; the pipeline and
 * time-to-key cases submit AUTO_MODEL, which the whitelist approves, so each request ends in a
 * minted key and an approval mail. */

export const REVIEW_MODEL = 'gpt-4o';
export const AUTO_MODEL = 'ollama/llama3.1';

/** autocannon connections of every HTTP case, and requests in flight in the pipeline case. */
export const CONNECTIONS = 50;
/** Closed-loop clients of the time-to-key case. */
export const TIME_TO_KEY_CLIENTS = 10;
/** How long the LiteLLM fake takes to answer each call in the time-to-key case. */
export const LITELLM_DELAY_MS = 20;

export const BENCH_CONFIG = `
litellm:
  enable_litellm_models: false
  key_defaults: {duration: 90d, max_budget: 50, budget_duration: 30d, metadata: {issued_by: llm-key-requestor}}
models:
  - {id: ollama/llama3.1, title: Llama 3.1 8B, icon: "🦙", color: "#7c3aed", featured: true,
     description: "Meta's open model, served locally through Ollama. Approved automatically."}
  - {id: mistral-7b, title: Mistral 7B, icon: "🌬️", color: "#f97316",
     description: "Small, fast open model for everyday tasks. Approved automatically."}
  - {id: gpt-4o-mini, title: GPT-4o mini, icon: "⚡", color: "#10b981", featured: true,
     description: "OpenAI's fast, inexpensive multimodal model."}
  - {id: gpt-4o, title: GPT-4o, icon: "🧠", color: "#0ea5e9", key: {max_budget: 20, rpm_limit: 60},
     description: "OpenAI's flagship multimodal model. Requests are reviewed by an admin."}
  - {id: claude-sonnet-4, title: Claude Sonnet 4, icon: "✳️", color: "#d97706",
     documentation_link: "https://docs.anthropic.com/",
     description: "Anthropic's balanced model for writing and code. Requests are reviewed by an admin."}
  - {id: claude-haiku-3.5, title: Claude Haiku 3.5, icon: "🍃", color: "#a16207",
     description: "Anthropic's fastest model for high-volume tasks."}
  - {id: gemini-2.5-pro, title: Gemini 2.5 Pro, icon: "♊", color: "#4285f4",
     subtitle: "Long context", description: "Google's model for long documents and reasoning."}
  - {id: deepseek-r1, title: DeepSeek R1, icon: "🐋", color: "#1e40af",
     description: "Open reasoning model with visible chains of thought."}
  - {id: qwen2.5-coder, title: Qwen 2.5 Coder 32B, icon: "💻", color: "#6d28d9",
     description: "Open model tuned for code completion and review."}
  - {id: llama-3.3-70b, title: Llama 3.3 70B, icon: "🦙", color: "#9333ea",
     description: "Meta's large open model for demanding tasks."}
approval_plugins:
  - {name: review, config: {patterns: ["${REVIEW_MODEL}"]}}
  - {name: whitelist, config: {list: ["ollama/*"]}}
admin:
  notify: []
`;
