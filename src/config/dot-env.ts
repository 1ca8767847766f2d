import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from './config-error.js';

/** The environment the service reads its settings from: the process environment over the
 * variables of a `.env` file in the working directory, as the original service did. A variable
 * set in the process wins, even when set to an empty string; an empty value in the file counts
 * as not written. A missing file is no file; one that cannot be read stops start-up. The
 * values are never echoed (the file usually holds secrets). */
export function withDotEnv(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  const path = join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return env;
    }
    throw new ConfigError('.env', `cannot read ${path} (${code ?? String(error)})`);
  }
  const fromFile: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value !== undefined && value !== '') {
      fromFile[name] = value;
    }
  }
  return { ...fromFile, ...env };
}
