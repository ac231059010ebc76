import type { Block } from './blocks.ts';
import type { ChatAddress, ReplyHandle } from './events.ts';

/** A button under a message; pressing it produces an ActionEvent with this actionId and value. */
export interface Button {
  actionId: string;
  label: string;
  value?: string;
  /** Opens a link instead of sending an action. */
  url?: string;
}

export interface PollContent {
  /** Hearth's poll id; votes are mapped back to it. */
  pollId: string;
  question: string;
  options: string[];
  multi: boolean;
  anonymous: boolean;
  /** ISO time the poll closes, when it has one (Discord needs a duration). */
  closesAt?: string;
}

/**
 * What features ask to send. Platform-neutral: adapters render it (buttons as inline keyboards or
 * numbered replies, polls natively where possible, long text split at the platform's limit).
 */
export interface OutboundContent {
  /**
   * Plain text on every platform: never markup, a mention or a link label. Adapters of platforms
   * that parse markup make it inert: Slack escapes `&`, `<`, `>` (adapters/slack/escape.ts);
   * Telegram sends no parse_mode; Discord sends with `allowed_mentions: { parse: [] }` and escapes
   * its markdown, mentions and masked links (adapters/discord/render.ts).
   */
  text: string;
  /** Rows of buttons. */
  buttons?: Button[][];
  poll?: PollContent;
  /** Stop (close) a native poll previously sent as this platform message id. */
  stopPoll?: { messageId: string };
  /** Edit a message previously sent instead of sending a new one. */
  editMessageId?: string;
  /**
   * Block Kit layout (built with src/core/blocks.ts, which escapes what features interpolate);
   * adapters that do not understand it use `text`. `text` itself is plain text everywhere.
   */
  blocks?: Block[];
  /** A file to attach (e.g. a JSON export, a chart image), base64 encoded. */
  file?: { name: string; contentBase64: string; mimeType: string };
  /**
   * An owner asked this broadcast to ping everyone in the community chat (never set for customer
   * text or direct messages). Adapters that can do so add the ping (Discord: `@everyone`, allowed
   * for this message only); others ignore it.
   */
  mentionEveryone?: boolean;
}

export interface OutboundMessage extends OutboundContent {
  /** The outbox row id. */
  id: string;
  to: ChatAddress;
  /** The inbound event this answers, if any. */
  correlationId?: string;
  /** The answered event's reply handle, stored with the row (see ReplyHandle). */
  replyHandle?: ReplyHandle;
  /**
   * Part of a broadcast: not urgent. An adapter may refuse it (PermanentError) to keep a platform's
   * monthly budget; replies to customers are never refused for that.
   */
  broadcast?: boolean;
  /**
   * Call right before each request that posts to the platform (the message, each further piece of
   * a long text, an edit): it resolves when that request may go at the platform's pace (a further
   * request takes a turn of its own). An adapter making one request per send may leave it out.
   */
  beforeRequest?: () => Promise<void>;
  /**
   * Call synchronously as each request's bytes are about to be handed to the network, before they
   * are (a send's first call is its departure). An adapter that cannot tell leaves it uncalled;
   * then a row whose process died during its request is sent again (see Departures).
   */
  onDeparture?: () => void;
}

export interface SendResult {
  messageId: string;
  /** Platform id of a native poll that was created. */
  nativePollId?: string;
}
