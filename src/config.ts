import { z } from 'zod';

/** Treats `FOO=` (empty) as unset, as most .env users expect. */
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const url = (what: string) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.url({ error: `expected ${what}` }).optional());
const int = (def: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? def : v),
    z.coerce
      .number({ error: `expected a whole number from ${min} to ${max}` })
      .int({ error: `expected a whole number from ${min} to ${max}` })
      .min(min, { error: `expected a whole number from ${min} to ${max}` })
      .max(max, { error: `expected a whole number from ${min} to ${max}` }),
  );
const bool = (def: boolean) =>
  z
    .preprocess(
      (v) => (v === '' || v === undefined ? String(def) : String(v).toLowerCase()),
      z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' }),
    )
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
/** `a, b,,c` → ['a', 'b', 'c']; anything but a string → []. */
function commaList(v: unknown): string[] {
  return typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

const list = z.preprocess(commaList, z.array(z.string()));

function isTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** `platform=rate,...` → { platform: rate }. */
const sendRates = z.preprocess(
  commaList,
  z
    .array(
      z.string().regex(/^[a-z]+=\d+(\.\d+)?$/, {
        error: 'expected platform=messagesPerSecond pairs, e.g. telegram=25,discord=40',
      }),
    )
    .transform(
      (pairs) =>
        Object.fromEntries(pairs.map((p) => [p.split('=')[0], Number(p.split('=')[1])])) as Record<
          string,
          number
        >,
    ),
);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  BUSINESS_NAME: z.string().min(1).default('Hearth'),
  /** Topics created at first start; owners manage them later. */
  HEARTH_TOPICS: list.default(['news']),
  HEARTH_DATA_DIR: z.string().min(1).default('.hearth'),
  /** Embedded database's page cache (Postgres shared_buffers; PGlite's own default is 128MB). */
  PGLITE_SHARED_BUFFERS: z.preprocess(
    (v) => (v === '' || v === undefined ? '32MB' : v),
    z.string().regex(/^\d+(kB|MB|GB)$/, 'a size such as 32MB or 128MB'),
  ),
  /** FAQ written at first start when the table is empty: `examples`, `none`, or a JSON file path. */
  SUPPORT_FAQ_SEED: z.preprocess((v) => (v === '' || v === undefined ? 'examples' : v), z.string().min(1)),
  /** Optional OpenAI-compatible endpoint (base URL) that phrases FAQ answers; off when unset. */
  SUPPORT_LLM_URL: url('an http(s) base URL such as https://api.openai.com/v1'),
  SUPPORT_LLM_API_KEY: optionalString,
  SUPPORT_LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  SUPPORT_LLM_TIMEOUT_MS: int(8000, 100, 120_000),
  DATABASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, { error: 'expected a postgres:// or postgresql:// URL' })
      .optional(),
  ),
  CONSOLE_ENABLED: bool(true),
  /** When set, the console and its API require `Authorization: Bearer <token>`. */
  CONSOLE_TOKEN: optionalString,
  OUTBOX_POLL_MS: int(250, 10, 60_000),
  OUTBOX_BATCH_SIZE: int(100, 1, 5000),
  OUTBOX_MAX_ATTEMPTS: int(8, 1, 100),
  OUTBOX_LEASE_MS: int(60_000, 1000, 3_600_000),
  /** How long a stop (SIGTERM, SIGINT) may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: int(8_000, 1000, 600_000),
  /** Subscribers a broadcast enqueues per transaction. */
  BROADCAST_BATCH_SIZE: int(1000, 1, 10_000),
  /** Missed schedule occurrences later than this are skipped and reported instead of sent late. */
  SCHEDULE_GRACE_MINUTES: int(15, 0, 10_080),
  /** IANA timezone for schedule times given without one. */
  SCHEDULE_TIMEZONE: z
    .preprocess((v) => (v === '' || v === undefined ? 'UTC' : v), z.string())
    .refine(isTimezone, { error: 'expected an IANA timezone such as Europe/Berlin or UTC' }),
  /** Per-platform send-rate overrides (messages per second), e.g. `telegram=25,discord=40`. */
  SEND_RATE_LIMITS: sendRates,

  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_API_ROOT: url('the Bot API base URL, e.g. https://api.telegram.org'),
  TELEGRAM_WEBHOOK_URL: url('the public https URL Telegram should post updates to'),
  TELEGRAM_WEBHOOK_SECRET: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, { error: 'expected 1-256 characters A-Z, a-z, 0-9, _ or -' })
      .optional(),
  ),

  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: url('the Slack Web API base URL, e.g. https://slack.com/api/'),
  SLACK_OWNERS_CHANNEL: optionalString,
  SLACK_OWNER_USER_IDS: list.default([]),

  /** Daily digest to the owners' channel at HH:MM (24 h) in DIGEST_TIMEZONE; `off` disables it. */
  DIGEST_DAILY_AT: z.preprocess(
    (v) => (v === '' || v === undefined ? '09:00' : String(v).toLowerCase()),
    z.string().regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, { error: 'expected HH:MM (24 h clock) or off' }),
  ),
  /** Day of the weekly digest (at DIGEST_DAILY_AT, or 09:00 when that is off); `off` disables it. */
  DIGEST_WEEKLY_DAY: z.preprocess(
    (v) => (v === '' || v === undefined ? 'monday' : String(v).toLowerCase()),
    z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'off'], {
      error: 'expected a weekday name (monday ... sunday) or off',
    }),
  ),
  /** IANA timezone the digest times are read in. */
  DIGEST_TIMEZONE: z.preprocess(
    (v) => (v === '' || v === undefined ? 'UTC' : v),
    z.string().refine(
      (name) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: name });
          return true;
        } catch {
          return false;
        }
      },
      { error: 'expected an IANA timezone such as Europe/Berlin or UTC' },
    ),
  ),

  DISCORD_BOT_TOKEN: optionalString,
  DISCORD_API_URL: url('the Discord REST API base URL, e.g. https://discord.com/api'),

  X_APP_KEY: optionalString,
  X_APP_SECRET: optionalString,
  X_ACCESS_TOKEN: optionalString,
  X_ACCESS_SECRET: optionalString,
  X_API_URL: url('the X API base URL, e.g. https://api.x.com'),
});

export type Config = z.infer<typeof schema>;

/** Every variable Hearth reads (the names `.env.example` documents). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

/** Start-up refuses to run with a bad environment; the message names each variable at fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The only reader of process.env: validates it and returns typed settings. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const got = env[name];
    return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
  });
  throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
}
