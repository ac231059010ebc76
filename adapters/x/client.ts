import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { TwitterApi } from 'twitter-api-v2';

/** The OAuth 1.0a user context of the business's X account (the app needs "Read, write, and DMs"). */
export interface XCredentials {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
}

/** One DM event as `GET /2/dm_events` returns it (the fields Hearth asks for). */
export interface DmEvent {
  id: string;
  event_type?: string;
  text?: string;
  sender_id?: string;
  dm_conversation_id?: string;
  created_at?: string;
}

export interface DmPage {
  events: DmEvent[];
  nextToken?: string;
  headers: IncomingHttpHeaders;
}

const DM_FIELDS = 'id,text,event_type,created_at,sender_id,dm_conversation_id';

/** Numeric X user ids only: they go into URL paths. */
export function isUserId(value: string): boolean {
  return /^\d{1,25}$/.test(value);
}

/**
 * The few X API calls Hearth makes, through twitter-api-v2. The library always speaks https to
 * api.x.com: another base URL (a proxy, the tests' fake) is reached by rewriting each request's URL,
 * with an http agent when that URL is http (../shared/notes/discord-x.md B6).
 */
export class XClient {
  private readonly api: TwitterApi;

  constructor(
    credentials: XCredentials,
    apiUrl = 'https://api.x.com',
    private readonly timeoutMs = 30_000,
  ) {
    const base = new URL(apiUrl);
    const rewrite = base.origin !== 'https://api.x.com';
    this.api = new TwitterApi(credentials, {
      httpAgent:
        base.protocol === 'http:' ? new HttpAgent({ keepAlive: true }) : new HttpsAgent({ keepAlive: true }),
      plugins: rewrite
        ? [
            {
              onBeforeRequestConfig({ params }) {
                params.url = params.url.replace(/^https:\/\/(api|upload)\.(x|twitter)\.com/, base.origin);
              },
            },
          ]
        : [],
    });
  }

  /** `GET /2/users/me`: the account and, for OAuth 1.0a, `x-access-level` (the app's permission). */
  async me(): Promise<{ id: string; username: string; accessLevel?: string }> {
    const response = await this.api.v2.get<{ data: { id: string; username: string } }>(
      'users/me',
      {},
      { fullResponse: true, timeout: this.timeoutMs },
    );
    const level = response.headers['x-access-level'];
    return {
      id: response.data.data.id,
      username: response.data.data.username,
      ...(typeof level === 'string' ? { accessLevel: level } : {}),
    };
  }

  /** One page of the account's DM events, newest first (`participantId`: one conversation only). */
  async dmEvents(options: {
    maxResults: number;
    paginationToken?: string;
    participantId?: string;
  }): Promise<DmPage> {
    const path = options.participantId
      ? `dm_conversations/with/${options.participantId}/dm_events`
      : 'dm_events';
    const response = await this.api.v2.get<{ data?: DmEvent[]; meta?: { next_token?: string } }>(
      path,
      {
        max_results: options.maxResults,
        event_types: 'MessageCreate',
        'dm_event.fields': DM_FIELDS,
        ...(options.paginationToken ? { pagination_token: options.paginationToken } : {}),
      },
      { fullResponse: true, timeout: this.timeoutMs },
    );
    const nextToken = response.data.meta?.next_token;
    return {
      events: Array.isArray(response.data.data) ? response.data.data : [],
      ...(nextToken ? { nextToken } : {}),
      headers: response.headers,
    };
  }

  /** `POST /2/dm_conversations/with/:id/messages`: the new event's id and the answer's headers. */
  async sendDm(
    participantId: string,
    text: string,
  ): Promise<{ eventId: string; headers: IncomingHttpHeaders }> {
    const response = await this.api.v2.post<{ data?: { dm_event_id?: string } }>(
      `dm_conversations/with/${participantId}/messages`,
      { text },
      { fullResponse: true, timeout: this.timeoutMs },
    );
    return { eventId: String(response.data.data?.dm_event_id ?? ''), headers: response.headers };
  }
}
