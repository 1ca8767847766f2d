import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** The MCP SDK's own client, connected to `url` with an Authorization header; every response
 * body it receives is appended to `seen` (to prove no full key ever left the service). */
export async function connectMcp(url: URL, authorization: string, seen: string[]): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { authorization } },
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      seen.push(await response.clone().text());
      return response;
    },
  });
  const client = new Client({ name: 'llm-key-requestor-tests', version: '1.0.0' });
  await client.connect(transport);
  return client;
}
