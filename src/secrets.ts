import type { z } from 'zod';
import { CORE_VARIABLES } from './config.ts';
import { SECRET_NAME, Secrets } from './core/secrets.ts';

/**
 * The secrets of an environment: the value of every setting named like a secret (SECRET_NAME), the
 * core's and each adapter's (`adapterSettings`, so a new adapter's tokens are covered without a line
 * here); of a token shaped `<id>:<secret>` (Telegram's) the secret part alone too; DATABASE_URL's
 * password.
 */
export function secretsOf(env: NodeJS.ProcessEnv, adapterSettings: readonly z.ZodRawShape[] = []): Secrets {
  const names = [...CORE_VARIABLES, ...adapterSettings.flatMap((shape) => Object.keys(shape))];
  const secrets = new Secrets();
  for (const name of names.filter((n) => SECRET_NAME.test(n))) {
    const value = env[name];
    secrets.add(value);
    if (value?.includes(':')) secrets.add(value.slice(value.indexOf(':') + 1));
  }
  if (env.DATABASE_URL) {
    try {
      const password = new URL(env.DATABASE_URL).password;
      secrets.add(password).add(decodeURIComponent(password));
    } catch {
      // not a URL the parser takes: nothing more to find
    }
  }
  return secrets;
}
