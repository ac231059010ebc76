import { z } from 'zod';
import { SECRET_NAME } from './core/secrets.ts';
import { bool, commaList, int, isTimezone, list, optionalString, url } from './settings.ts';

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

/** The core's settings; each adapter declares its own (adapters/NAME/settings.ts). */
export const CORE_SETTINGS = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  BUSINESS_NAME: z.string().min(1).default('Hearth'),
  /** Topics created at first start; owners manage them later. */
  HEARTH_TOPICS: list.default(['news']),
  HEARTH_DATA_DIR: z.string().min(1).default('.hearth'),
  /**
   * Embedded database's page cache (Postgres shared_buffers; all of it becomes resident). 16MB keeps
   * Hearth within a 512 MB plan; PGlite's own default is 128MB.
   */
  PGLITE_SHARED_BUFFERS: z.preprocess(
    (v) => (v === '' || v === undefined ? '16MB' : v),
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
  OUTBOX_MAX_ATTEMPTS: int(24, 1, 100),
  OUTBOX_LEASE_MS: int(60_000, 1000, 3_600_000),
  /**
   * How long a singleton role (Telegram long polling, the Discord gateway, X polling) stays with an
   * instance that stopped renewing it: with several instances, the longest another waits to take over.
   */
  LEADER_LEASE_MS: int(15_000, 1000, 300_000),
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
  /**
   * Restraint for marketing messages (broadcasts, series, polls by direct message): a weekly cap per
   * member and quiet hours in their timezone (owners tune both with `/hearth restraint`); false: none.
   */
  MARKETING_RESTRAINT: bool(true),

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
    z.string().refine(isTimezone, { error: 'expected an IANA timezone such as Europe/Berlin or UTC' }),
  ),
} satisfies z.ZodRawShape;

const coreSchema = z.object(CORE_SETTINGS);

export type Config = z.infer<typeof coreSchema>;

/** Every variable the core reads; with the adapters' own, what `.env.example` documents. */
export const CORE_VARIABLES: readonly string[] = Object.keys(CORE_SETTINGS);

/** Start-up refuses to run with a bad environment; the message names each variable at fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * The only reader of process.env for the core: validates the core's settings together with the
 * adapters' (`adapterSettings`, each adapter's own shape), so one message names every bad variable,
 * and returns the core's typed settings. Adapters read theirs with their own schema.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  adapterSettings: readonly z.ZodRawShape[] = [],
): Config {
  const shape: z.ZodRawShape = Object.assign({}, ...adapterSettings, CORE_SETTINGS);
  const parsed = z.object(shape).safeParse(env);
  if (parsed.success) return coreSchema.parse(env);
  const lines = parsed.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const got = env[name];
    // A secret's value is never echoed (this message is printed; the log redaction is not set up yet).
    const shown =
      got === undefined || SECRET_NAME.test(name) || name === 'DATABASE_URL'
        ? ''
        : ` (got ${JSON.stringify(got)})`;
    return `${name}: ${issue.message}${shown}`;
  });
  throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
}
