import { createHash } from 'node:crypto';
import type { AdapterState } from '../../src/core/adapter-state.ts';

/** Contexts a command is offered in: 0 a server, 1 a DM with the bot. */
const IN_SERVERS = 0;
const IN_DMS = 1;
const STRING = 3;
/** MANAGE_GUILD ("Manage Server"): the default permission to see /register and /unregister. */
const MANAGE_GUILD = String(1 << 5);

const topic = (description: string) => ({
  type: STRING,
  name: 'topic',
  description,
  required: false,
  max_length: 100,
});

/**
 * Hearth's slash commands. Answers to subscribe, unsubscribe, topics and help concern only the
 * member and are ephemeral (normalize.ts); /ask is a question to the bot; /register needs Manage
 * Server, which Discord checks (default_member_permissions) and the core checks again.
 */
export const SLASH_COMMANDS = [
  {
    name: 'subscribe',
    description: 'Get updates on a topic',
    options: [topic('Topic to follow (see /topics)')],
  },
  {
    name: 'unsubscribe',
    description: 'Stop updates on a topic, or all',
    options: [topic('Topic to stop (none: all)')],
  },
  { name: 'topics', description: 'The topics you can follow' },
  { name: 'help', description: 'What this bot can do' },
  {
    name: 'ask',
    description: 'Ask the business a question',
    options: [
      { type: STRING, name: 'question', description: 'Your question', required: true, max_length: 1000 },
    ],
  },
  {
    name: 'register',
    description: 'Make this channel a community channel (Manage Server)',
    options: [
      {
        type: STRING,
        name: 'name',
        description: 'Name owners use, e.g. bakery',
        required: true,
        max_length: 32,
      },
    ],
    contexts: [IN_SERVERS],
    default_member_permissions: MANAGE_GUILD,
  },
  {
    name: 'unregister',
    description: 'Stop broadcasts and polls in this channel (Manage Server)',
    contexts: [IN_SERVERS],
    default_member_permissions: MANAGE_GUILD,
  },
].map((command) => ({ type: 1, contexts: [IN_SERVERS, IN_DMS], integration_types: [0], ...command }));

/** Registers the commands by bulk overwrite, only when the set (or where it goes) changed. */
export async function registerCommands(options: {
  state: AdapterState;
  guildId: string | undefined;
  put: (commands: unknown[]) => Promise<unknown>;
}): Promise<boolean> {
  const { state, guildId, put } = options;
  const hash = createHash('sha256')
    .update(JSON.stringify({ guildId: guildId ?? null, commands: SLASH_COMMANDS }))
    .digest('hex');
  const stored = await state.get<string>('commands');
  if (stored?.value === hash) return false;
  await put(SLASH_COMMANDS);
  await state.set('commands', hash);
  return true;
}
