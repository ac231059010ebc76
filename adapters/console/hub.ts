import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../src/core/errors.ts';
import { type InboundEvent, type Platform, parseCommand } from '../../src/core/events.ts';
import type { InboundReceiver } from '../../src/core/receiver.ts';
import type { HttpMount, JsonResponse } from '../../src/http/routes.ts';
import {
  type ActionRequest,
  actionRequest,
  type MessageRequest,
  messageRequest,
  parseBody,
  type VoteRequest,
  voteRequest,
} from './requests.ts';
import { Transcript, type TranscriptEntry } from './transcript.ts';

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');

type Base = MessageRequest | ActionRequest | VoteRequest;

/** One simulated platform: where its events go, and its owners' room if it hosts one. */
export interface Simulation {
  receiver: InboundReceiver;
  ownersChatId?: string;
}

/** The console's shared state: simulated platforms, their sinks, the transcript, and the HTTP API. */
export class ConsoleHub {
  readonly transcript = new Transcript();
  private readonly simulations = new Map<Platform, Simulation>();
  private mounted = false;

  constructor(private readonly replyTimeoutMs = 10_000) {}

  register(platform: Platform, simulation: Simulation): void {
    this.simulations.set(platform, simulation);
  }

  unregister(platform: Platform): void {
    this.simulations.delete(platform);
  }

  simulated(): Platform[] {
    return [...this.simulations.keys()];
  }

  mount(http: HttpMount): void {
    if (this.mounted) return;
    this.mounted = true;
    http.page('/', 'text/html; charset=utf-8', PAGE);
    http.json('POST', '/console/api/messages', async ({ body }) =>
      this.message(parseBody(messageRequest, body)),
    );
    http.json('POST', '/console/api/actions', async ({ body }) =>
      this.action(parseBody(actionRequest, body)),
    );
    http.json('POST', '/console/api/votes', async ({ body }) => this.vote(parseBody(voteRequest, body)));
    http.json('GET', '/console/api/platforms', async () => ({ body: { platforms: this.simulated() } }));
    http.json('GET', '/console/api/feed', async ({ query }) => {
      const after = Number.parseInt(query.after ?? '0', 10) || 0;
      return { body: { entries: this.transcript.after(after) } };
    });
  }

  /** A customer's message: dispatch it and answer with the bot's replies once they went through the outbox. */
  async message(request: MessageRequest): Promise<JsonResponse> {
    const command = parseCommand(request.text);
    const base = this.eventBase(request);
    const event: InboundEvent = command
      ? { ...base, kind: 'command', name: command.name, args: command.args, text: request.text }
      : { ...base, kind: 'message', text: request.text, mentionsBot: base.isDirect };
    return this.dispatch(request, event, request.text);
  }

  async action(request: ActionRequest): Promise<JsonResponse> {
    const event: InboundEvent = {
      ...this.eventBase(request),
      kind: 'action',
      actionId: request.actionId,
      ...(request.value === undefined ? {} : { value: request.value }),
      ...(request.messageId === undefined ? {} : { messageId: request.messageId }),
    };
    return this.dispatch(
      request,
      event,
      request.label ? `[pressed “${request.label}”]` : `[pressed ${request.actionId}]`,
    );
  }

  async vote(request: VoteRequest): Promise<JsonResponse> {
    const event: InboundEvent = {
      ...this.eventBase(request),
      kind: 'vote',
      pollRef: request.pollRef,
      choice: { set: request.optionIds },
    };
    return this.dispatch(request, event, `[voted ${request.optionIds.join(', ') || 'retracted'}]`);
  }

  private eventBase(request: Base) {
    const chatId = request.chatId ?? request.userId;
    return {
      id: request.eventId ?? `console-${randomUUID()}`,
      at: new Date(),
      address: {
        platform: request.platform,
        chatId,
        ...(request.threadId ? { threadId: request.threadId } : {}),
      },
      sender: {
        userId: request.userId,
        name: request.name ?? request.userId,
        isBot: false,
        isChatAdmin: request.isChatAdmin ?? false,
        // The console's owner view: the owners' room of the simulated owners' platform.
        isOwner: this.simulations.get(request.platform)?.ownersChatId === chatId,
      },
      isDirect: chatId === request.userId,
    };
  }

  private async dispatch(request: Base, event: InboundEvent, shown: string): Promise<JsonResponse> {
    const simulation = this.simulations.get(request.platform);
    if (!simulation) {
      throw new ValidationError(
        `the console does not simulate ${request.platform} (a real adapter serves it); simulated: ${this.simulated().join(', ')}`,
      );
    }
    this.transcript.add({
      direction: 'in',
      platform: request.platform,
      chatId: event.address.chatId,
      ...(event.address.threadId ? { threadId: event.address.threadId } : {}),
      isDirect: event.isDirect,
      userName: event.sender.name ?? event.sender.userId,
      text: shown,
    });
    const outcome = await simulation.receiver.receive(event, { retry: false }).handled;
    if (!outcome) throw new Error('the event could not be recorded (is the database down?)');
    const replies =
      outcome.enqueued > 0
        ? await this.transcript.waitForReplies(event.id, outcome.enqueued, this.replyTimeoutMs)
        : [];
    return {
      body: {
        eventId: event.id,
        duplicate: !outcome.handled,
        replies: replies.map(toReply),
        pending: Math.max(0, outcome.enqueued - replies.length),
      },
    };
  }
}

function toReply(entry: TranscriptEntry) {
  return {
    text: entry.text,
    messageId: entry.messageId,
    ...(entry.buttons ? { buttons: entry.buttons } : {}),
    ...(entry.poll ? { poll: entry.poll } : {}),
    ...(entry.file ? { file: entry.file } : {}),
  };
}
