import { describe, expect, it } from 'vitest';
import { basicAuth } from './api-client.js';

describe('basicAuth', () => {
  it('encodes credentials as UTF-8 base64', () => {
    expect(basicAuth({ username: 'admin', password: 'secret' })).toBe('Basic YWRtaW46c2VjcmV0');
    expect(basicAuth({ username: 'zoë', password: 'pä:ss🔑' })).toBe('Basic em/Dqzpww6Q6c3Pwn5SR');
  });
});
