import type { AdapterContext, Capabilities, PlatformAdapter } from '../../src/core/adapter.ts';
import type { ChatAddress, Platform } from '../../src/core/events.ts';
import type { OutboundMessage, SendResult } from '../../src/core/outbound.ts';
import type { InboundReceiver } from '../../src/core/receiver.ts';
import { splitText } from '../../src/core/split-text.ts';
import type { HttpMount, HttpMountable } from '../../src/http/routes.ts';
import { SLACK_CONSOLE_OWNERS_CHANNEL } from '../slack/module.ts';
import { SIMULATED_CAPABILITIES } from './capabilities.ts';
import { ConsoleHub } from './hub.ts';
import type { TranscriptEntry } from './transcript.ts';

export { ConsoleHub } from './hub.ts';

/**
 * The local console as a platform: a person chats with Hearth in the browser, as a customer on any
 * platform no real adapter serves. What the bot sends lands in the console's transcript.
 */
export class ConsoleAdapter implements PlatformAdapter, HttpMountable {
  readonly capabilities: Capabilities;
  /** Simulating Slack, the console hosts the owners' room: chat `#owners`. */
  readonly ownersChannel?: ChatAddress;
  private nextMessageId = 1;
  /** Part of every message id, so ids stay unique across restarts (a handoff's thread id included). */
  private readonly bootTag = Date.now().toString(36);
  private receiver: InboundReceiver | undefined;

  constructor(
    readonly platform: Platform,
    private readonly hub: ConsoleHub,
  ) {
    this.capabilities = SIMULATED_CAPABILITIES[platform];
    if (platform === 'slack') this.ownersChannel = { platform, chatId: SLACK_CONSOLE_OWNERS_CHANNEL };
  }

  async start(context: AdapterContext): Promise<void> {
    this.receiver = context.receiver;
    this.hub.register(this.platform, {
      receiver: context.receiver,
      ...(this.ownersChannel ? { ownersChatId: this.ownersChannel.chatId } : {}),
    });
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    // Like a real platform: texts over the limit arrive as several messages; extras go on the last.
    const pieces = message.editMessageId
      ? [message.text]
      : splitText(message.text, this.capabilities.maxTextLength);
    for (const piece of pieces.slice(0, -1))
      this.record({
        ...message,
        text: piece,
        buttons: undefined,
        poll: undefined,
        blocks: undefined,
        file: undefined,
      });
    return this.record({ ...message, text: pieces.at(-1) ?? '' });
  }

  private record(message: OutboundMessage): SendResult {
    const messageId = message.editMessageId ?? `${this.platform}-${this.bootTag}-${this.nextMessageId++}`;
    const nativePollId = message.poll && this.capabilities.nativePolls ? `poll-${messageId}` : undefined;
    this.hub.transcript.add({
      direction: 'out',
      platform: this.platform,
      chatId: message.to.chatId,
      ...(message.to.threadId ? { threadId: message.to.threadId } : {}),
      // Console convention: community chats have ids starting with '#'; anything else is a direct chat.
      isDirect: !message.to.chatId.startsWith('#'),
      text: message.text,
      messageId,
      ...(message.buttons ? { buttons: message.buttons } : {}),
      ...(message.poll ? { poll: { ...message.poll, ...(nativePollId ? { nativePollId } : {}) } } : {}),
      // Blocks only where the simulated platform shows them (Slack); elsewhere `text` is the message.
      ...(message.blocks && this.capabilities.blocks ? { blocks: message.blocks } : {}),
      ...(message.file ? { file: consoleFile(message.file) } : {}),
      ...(message.editMessageId ? { editOf: message.editMessageId } : {}),
      ...(message.stopPoll ? { stoppedPoll: message.stopPoll.messageId } : {}),
      ...(message.correlationId ? { correlationId: message.correlationId } : {}),
    });
    return nativePollId ? { messageId, nativePollId } : { messageId };
  }

  async stop(): Promise<void> {
    this.hub.unregister(this.platform);
    await this.receiver?.stop();
  }

  mount(http: HttpMount): void {
    this.hub.mount(http);
  }
}

/** Files up to this size travel in the transcript, so the page can offer them as a download. */
const MAX_DOWNLOAD_BYTES = 2 * 1024 * 1024;

/** A sent file as the transcript keeps it: its bytes too when small enough to download from the page. */
function consoleFile(file: NonNullable<OutboundMessage['file']>): TranscriptEntry['file'] {
  const sizeBytes = Buffer.from(file.contentBase64, 'base64').length;
  return {
    name: file.name,
    mimeType: file.mimeType,
    sizeBytes,
    ...(sizeBytes <= MAX_DOWNLOAD_BYTES ? { contentBase64: file.contentBase64 } : {}),
  };
}

/** One console adapter per platform that no real adapter serves, sharing one hub. */
export function createConsoleAdapters(platforms: Platform[], hub = new ConsoleHub()): ConsoleAdapter[] {
  return platforms.map((platform) => new ConsoleAdapter(platform, hub));
}
