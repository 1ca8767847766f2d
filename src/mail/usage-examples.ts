/** Wraps a string for a POSIX shell: the usage example stays copy-pasteable for any model id. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The approval mail's examples: curl and the OpenAI Python SDK against the gateway, with the
 * key read from `$LLM_API_KEY` so it is not repeated in them. `prompt` is the chat message,
 * in the mail's language. */
export function usageExamples(
  gatewayUrl: string,
  model: string,
  prompt: string,
): { curl: string; python: string } {
  const base = gatewayUrl.replace(/\/+$/, '');
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: prompt }] });
  const curl = [
    `curl ${shellQuote(`${base}/v1/chat/completions`)} \\`,
    '  -H "Authorization: Bearer $LLM_API_KEY" \\',
    '  -H "Content-Type: application/json" \\',
    `  -d ${shellQuote(body)}`,
  ].join('\n');
  const python = [
    'import os',
    'from openai import OpenAI',
    '',
    `client = OpenAI(api_key=os.environ["LLM_API_KEY"], base_url=${JSON.stringify(base)})`,
    'response = client.chat.completions.create(',
    `    model=${JSON.stringify(model)},`,
    `    messages=[{"role": "user", "content": ${JSON.stringify(prompt)}}],`,
    ')',
    'print(response.choices[0].message.content)',
  ].join('\n');
  return { curl, python };
}
