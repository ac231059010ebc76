import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { HealthStatus } from '../../src/hearth.ts';
import { until } from '../support/until.ts';

/** A free loopback port (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Hearth as a real process (`tsx adapters/main.ts`), so a test can SIGKILL it. */
export class ChildHearth {
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly output: string[] = [];
  /** Everything the process wrote (stdout and stderr), unlike `output` which keeps the last 200 chunks. */
  readonly everything: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const keep = (chunk: Buffer) => {
      this.everything.push(chunk.toString());
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** Runs Hearth with `env` expecting it to exit by itself (a refused start); its exit code and output. */
  static async runToExit(
    env: Record<string, string>,
    timeoutMs = 60_000,
  ): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'adapters/main.ts'], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(timer);
    return { code, output: output.join('') };
  }

  /**
   * Starts Hearth with `env` and waits until /health answers. `entry` is what node runs (default the
   * TypeScript source through tsx; benchmarks run the compiled `dist/adapters/main.js`).
   */
  static async start(
    env: Record<string, string>,
    entry: string[] = ['--import', 'tsx', 'adapters/main.ts'],
  ): Promise<ChildHearth> {
    const port = await freePort();
    const child = spawn(process.execPath, entry, {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        // Marketing restraint holds by the wall clock (quiet hours): tests and benchmarks send at any hour.
        MARKETING_RESTRAINT: 'false',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const hearth = new ChildHearth(child, `http://127.0.0.1:${port}`);
    let exitCode: number | null | undefined;
    void hearth.exited.then(({ code }) => {
      exitCode = code;
    });
    await until(
      async () => {
        if (exitCode !== undefined) throw new Error(`hearth exited (${exitCode}): ${hearth.output.join('')}`);
        const res = await fetch(`${hearth.baseUrl}/health`).catch(() => undefined);
        return res?.status === 200;
      },
      'the child Hearth to answer /health',
      100_000, // a loaded 2-core machine can take a minute to start tsx and the embedded database
    );
    return hearth;
  }

  async post(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  /** An owner command from the console's owner view; returns the reply texts. */
  async owner(command: string): Promise<string[]> {
    const body = (await this.post('/console/api/messages', {
      platform: 'slack',
      chatId: '#owners',
      userId: 'U-owner',
      text: `/hearth ${command}`,
    })) as { replies: { text: string }[] };
    return body.replies.map((r) => r.text);
  }

  /** What /health says (undefined while the process does not answer). */
  async health(): Promise<Pick<HealthStatus, 'instance' | 'roles' | 'delivery'> | undefined> {
    const res = await fetch(`${this.baseUrl}/health`).catch(() => undefined);
    if (!res) return undefined;
    return (await res.json().catch(() => undefined)) as HealthStatus | undefined;
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGKILL: no shutdown, no cleanup, like a crash or an OOM kill. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Sends `signal` without waiting; `exit()` resolves with how the process ended. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }

  /** A graceful stop (SIGTERM); resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return (await this.exited).code;
  }
}
