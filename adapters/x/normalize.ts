import type { InboundEvent } from '../../src/core/events.ts';
import { parseCommand } from '../../src/core/events.ts';
import type { DmEvent } from './client.ts';

/** An X DM as an InboundEvent, or why it was left alone (logged at debug). */
export type Normalized = { event: InboundEvent } | { ignored: string };

const isId = (v: unknown): v is string => typeof v === 'string' && /^\d{1,25}$/.test(v);

/** Compares two X ids (snowflakes, beyond 2^53) as big integers. */
export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Turns one DM event (`GET /2/dm_events` shape, or a webhook's converted to it) into an InboundEvent:
 * - the event id is X's DM event id, so the same DM from polling and from a webhook is one event;
 * - the chat is the other participant (the bot answers with `POST .../with/:participant_id/messages`);
 * - the bot's own sends (which X lists in the same timeline), anything not a text MessageCreate and
 *   events of group conversations (the answer would open a private chat) are ignored;
 * - `/command args` becomes a command.
 */
export function normalizeDmEvent(value: unknown, botUserId: string): Normalized {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ignored: 'not an object' };
  const event = value as DmEvent;
  if (!isId(event.id)) return { ignored: 'no DM event id' };
  if (event.event_type !== undefined && event.event_type !== 'MessageCreate') {
    return { ignored: `event type ${String(event.event_type)}` };
  }
  if (!isId(event.sender_id)) return { ignored: 'no sender' };
  if (event.sender_id === botUserId) return { ignored: 'sent by the bot itself' };
  if (!isOneToOne(event.dm_conversation_id, event.sender_id, botUserId)) {
    return { ignored: `group conversation ${String(event.dm_conversation_id)}` };
  }
  if (typeof event.text !== 'string' || event.text.trim() === '') return { ignored: 'no text' };
  const parsed = Date.parse(String(event.created_at ?? ''));
  const at = Number.isFinite(parsed) ? new Date(parsed) : new Date();
  const base = {
    id: event.id,
    at,
    address: { platform: 'x' as const, chatId: event.sender_id },
    sender: { userId: event.sender_id, isBot: false },
    isDirect: true,
    chat: { kind: 'direct' as const },
  };
  const command = parseCommand(event.text);
  if (command) return { event: { ...base, kind: 'command', ...command, text: event.text } };
  return { event: { ...base, kind: 'message', text: event.text } };
}

/**
 * Whether a DM's conversation is the 1:1 one of `senderId` and the bot (`{smaller}-{larger}`). A
 * webhook's events carry no conversation id: those are 1:1 (X pushes no group DMs).
 */
function isOneToOne(conversationId: unknown, senderId: string, botUserId: string): boolean {
  if (conversationId === undefined) return true;
  if (typeof conversationId !== 'string') return false;
  const [a, b, ...rest] = conversationId.split('-');
  if (rest.length > 0) return false;
  return (a === senderId && b === botUserId) || (a === botUserId && b === senderId);
}
