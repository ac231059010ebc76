/**
 * bench:memory's view of a Hearth process: started exactly as `npm start` starts it (the compiled
 * entry with the Node flags of package.json's `start` script), measured from outside through /proc
 * (Linux): resident memory now, its high-water mark (VmHWM: the kernel's exact peak, no sampling), and
 * a breakdown of the resident pages by kind of mapping (/proc/<pid>/smaps).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The repository: bench/ under tsx, dist/bench/ when compiled. */
const ROOT = join(import.meta.dirname, import.meta.url.endsWith('.js') ? '../..' : '..');
/** `npm start` is `node <flags> dist/adapters/main.js` (after `prestart` builds): its arguments. */
export const START_ARGS = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(/\s+/)
  .slice(1);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const mb = (kb: number) => Math.round(kb / 1024);

/** Resident pages by kind, in MB (from /proc/<pid>/smaps). */
export interface MemoryBreakdown {
  /** The node executable's code and data, mapped from its file. */
  nodeBinary: number;
  /** Other mapped files: shared libraries, ICU data. */
  otherFiles: number;
  /** WebAssembly linear memories: PGlite's Postgres, Prisma's query compiler, the schema engine. */
  wasmMemory: number;
  /** glibc malloc: the main heap ([heap]) and the per-thread arenas (64 MB-aligned heaps). */
  malloc: number;
  /** Everything else anonymous: V8's heaps (every isolate), compiled JS and WASM code, large buffers. */
  v8AndOther: number;
  total: number;
}

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  name: string;
  rssKb: number;
}

const GB = 1n << 30n;
const ARENA = 64n << 20n;

function readMappings(pid: number): Mapping[] {
  const mappings: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      current = {
        start: BigInt(`0x${head[1]}`),
        end: BigInt(`0x${head[2]}`),
        perms: head[3] ?? '',
        name: head[4] ?? '',
        rssKb: 0,
      };
      mappings.push(current);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current) current.rssKb = Number(rss[1]);
  }
  return mappings;
}

/**
 * Sorts the resident pages of `pid` by kind. A WASM memory is V8's reservation of 8-10 GB: the
 * accessible part is an anonymous mapping directly followed by the inaccessible rest (over 1 GB). A
 * malloc arena of another thread is a 64 MB-aligned heap whose unused rest is inaccessible.
 */
export function memoryBreakdown(pid: number): MemoryBreakdown {
  const maps = readMappings(pid);
  const kb = { nodeBinary: 0, otherFiles: 0, wasmMemory: 0, malloc: 0, v8AndOther: 0 };
  const executable = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? 'node';
  for (const [i, map] of maps.entries()) {
    if (map.name === '[heap]') kb.malloc += map.rssKb;
    else if (map.name.startsWith('/') && (map.name === executable || map.name.endsWith('/node'))) {
      kb.nodeBinary += map.rssKb;
    } else if (map.name.startsWith('/')) kb.otherFiles += map.rssKb;
    else if (map.name !== '' && !map.name.startsWith('[anon')) kb.v8AndOther += map.rssKb;
    else {
      const next = maps[i + 1];
      const reservationFollows =
        next !== undefined && next.start === map.end && next.perms === '---p' && next.end - next.start > GB;
      const arenaStart = map.start % ARENA === 0n;
      const arenaRest = next !== undefined && next.start === map.end && next.perms === '---p';
      const arenaSized = arenaRest && next.end - map.start === ARENA;
      if (map.perms === '---p') continue;
      if (reservationFollows) kb.wasmMemory += map.rssKb;
      else if (arenaStart && (arenaSized || map.end - map.start === ARENA)) kb.malloc += map.rssKb;
      else kb.v8AndOther += map.rssKb;
    }
  }
  const total = Object.values(kb).reduce((a, b) => a + b, 0);
  return {
    nodeBinary: mb(kb.nodeBinary),
    otherFiles: mb(kb.otherFiles),
    wasmMemory: mb(kb.wasmMemory),
    malloc: mb(kb.malloc),
    v8AndOther: mb(kb.v8AndOther),
    total: mb(total),
  };
}

/** Current resident memory and its peak so far (VmRSS, VmHWM), in MB. */
export function residentMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: mb(field('VmRSS')), peak: mb(field('VmHWM')) };
}

/** The pids of `pid`'s descendants (a child that migrates the embedded database at first start). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ').map(Number) : []) {
        found.push(child, ...descendants(child));
      }
    }
  } catch {
    // the process ended while being read
  }
  return found;
}

/** Resident memory of `pid` and its descendants together, in MB (0 for those that just ended). */
function treeRssMb(pid: number): number {
  let total = 0;
  for (const each of [pid, ...descendants(pid)]) {
    try {
      total += residentMb(each).rss;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

/** A Hearth started as `npm start` starts it, with only `env` (and PATH) in its environment. */
export class HearthProcess {
  private readonly exited: Promise<number | null>;
  private readonly output: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 50) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Starts Hearth and resolves once GET /health answers 200 (after `timeoutMs`, fails). */
  static async start(env: Record<string, string>, timeoutMs = 180_000): Promise<HearthProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, START_ARGS, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const hearth = new HearthProcess(child, `http://127.0.0.1:${port}`);
    const started = Date.now();
    // Until /health answers, the process tree's resident memory is sampled every 20 ms: a child
    // process (the first start's migrations) has its own peak, which Hearth's VmHWM does not see.
    const sampler = setInterval(() => {
      hearth.treePeak = Math.max(hearth.treePeak, treeRssMb(hearth.pid));
    }, 20);
    try {
      return await hearth.waitForHealth(started, timeoutMs);
    } finally {
      clearInterval(sampler);
    }
  }

  /** The most Hearth and its child processes held together while starting (sampled), in MB. */
  treePeak = 0;

  private async waitForHealth(started: number, timeoutMs: number): Promise<HearthProcess> {
    const child = this.child;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`hearth exited (${child.exitCode}): ${this.output.join('')}`);
      if (Date.now() - started > timeoutMs) {
        await this.stop();
        throw new Error(`no /health answer within ${timeoutMs} ms: ${this.output.join('')}`);
      }
      const res = await fetch(`${this.baseUrl}/health`).catch(() => undefined);
      if (res?.status === 200) return this;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Resident memory now; `peak` is the larger of Hearth's VmHWM and its process tree's sampled peak. */
  memory(): { rss: number; peak: number; breakdown: MemoryBreakdown } {
    const { rss, peak } = residentMb(this.pid);
    return { rss, peak: Math.max(peak, this.treePeak), breakdown: memoryBreakdown(this.pid) };
  }

  /** An owner's command in the console's owner view; the reply texts. */
  async owner(command: string): Promise<string[]> {
    const res = await fetch(`${this.baseUrl}/console/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'slack', chatId: '#owners', userId: 'U-owner', text: command }),
    });
    if (res.status !== 200) throw new Error(`owner command: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { replies: { text: string }[] }).replies.map((r) => r.text);
  }

  /** SIGTERM, then waits for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}
