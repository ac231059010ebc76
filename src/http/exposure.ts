import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { ConfigError } from '../config.ts';

/** True for an address only this machine can reach: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || /^::ffff:127\./.test(name);
  return false;
}

/** The host name of a Host header (`localhost:3000` → `localhost`, `[::1]:3000` → `::1`). */
export function hostOfHeader(header: string | undefined): string {
  if (!header) return '';
  const bracketed = /^\[([^\]]*)\]/.exec(header);
  return bracketed?.[1] ?? header.replace(/:\d*$/, '');
}

/**
 * The console acts as the owners (member exports, erasure, broadcasts): it is never served on an
 * address others can reach without CONSOLE_TOKEN. Throws a ConfigError (one line) naming both ways out.
 */
export function assertConsoleProtected(config: {
  HOST: string;
  CONSOLE_ENABLED: boolean;
  CONSOLE_TOKEN?: string | undefined;
}): void {
  if (!config.CONSOLE_ENABLED || config.CONSOLE_TOKEN || isLoopbackHost(config.HOST)) return;
  throw new ConfigError(
    `refusing to serve the owner console without a token on HOST=${config.HOST} (reachable from other machines): set CONSOLE_TOKEN to a long random secret (e.g. openssl rand -hex 32), or set CONSOLE_ENABLED=false`,
  );
}

/** Compares a presented token with the expected one in constant time (digests hide the length too). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
