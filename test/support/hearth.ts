import { ConsoleHub, createConsoleAdapters } from '../../adapters/console/index.ts';
import { ADAPTER_SETTINGS } from '../../adapters/registry.ts';
import type { FeatureFactory } from '../../src/app/feature.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { PlatformAdapter } from '../../src/core/adapter.ts';
import { PLATFORMS } from '../../src/core/events.ts';
import type { Database } from '../../src/db/database.ts';
import { supportFeature } from '../../src/features/support/index.ts';
import { wordVectors } from '../../src/features/support/matcher-embeddings.ts';
import { synonymsOf } from '../../src/features/support/matcher-synonyms.ts';
import { relatedWords } from '../../src/features/support/matcher-wordnet.ts';
import { Hearth } from '../../src/hearth.ts';
import type { HttpLimits } from '../../src/http/server.ts';
import { CapturingLogger } from './logger.ts';

export interface TestHearthOptions {
  database: Database;
  /** Real adapters under test; the console simulates every other platform. */
  adapters?: PlatformAdapter[];
  env?: Record<string, string>;
  features?: FeatureFactory[];
  /** Serve HTTP on a free port (default true). */
  http?: boolean;
  /** HTTP body size and slow-client limits (defaults: src/http/server.ts). */
  httpLimits?: Partial<HttpLimits>;
  now?: () => Date;
  /** Waits between attempts to record an inbound event while the database is down. */
  recordRetriesMs?: readonly number[];
}

export interface TestHearth {
  hearth: Hearth;
  hub: ConsoleHub;
  config: Config;
  log: CapturingLogger;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** POST JSON to a path; returns status and parsed body. */
  post(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

/**
 * Test settings: a fast outbox poll and a free port. Marketing restraint (weekly cap, quiet hours by
 * the wall clock) is off unless a test turns it on: other features' tests send at any hour.
 */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'silent',
      OUTBOX_POLL_MS: '20',
      MARKETING_RESTRAINT: 'false',
      ...env,
    },
    ADAPTER_SETTINGS,
  );
}

/** Starts a whole Hearth on `database` (migrated already or not), like adapters/main.ts does. */
export async function startTestHearth(options: TestHearthOptions): Promise<TestHearth> {
  const config = testConfig(options.env);
  const log = new CapturingLogger();
  const hub = new ConsoleHub(5_000);
  const real = options.adapters ?? [];
  const served = new Set(real.map((a) => a.platform));
  const adapters = [
    ...real,
    ...createConsoleAdapters(
      PLATFORMS.filter((p) => !served.has(p)),
      hub,
    ),
  ];
  const hearth = new Hearth({
    config,
    log,
    database: options.database,
    adapters,
    ...(options.features ? { features: options.features } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.recordRetriesMs ? { recordRetriesMs: options.recordRetriesMs } : {}),
    http: options.http ?? true,
    ...(options.httpLimits ? { httpLimits: options.httpLimits } : {}),
  });
  await hearth.start();
  if (!options.features || options.features.includes(supportFeature)) warmFaqDictionaries();
  const baseUrl = `http://127.0.0.1:${hearth.port ?? 0}`;
  return {
    hearth,
    hub,
    config,
    log,
    baseUrl,
    async post(path, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    stop: () => hearth.stop(),
  };
}

/**
 * Loads the FAQ matcher's word vectors and dictionaries now, while the suite is starting: Hearth loads
 * them on the first question, and a test's own waits should not include that second or two.
 */
function warmFaqDictionaries(): void {
  wordVectors();
  relatedWords('warm');
  synonymsOf('warm');
}
