import { createHash } from 'node:crypto';
import type { AdapterState } from '../../src/core/adapter-state.ts';

/** Contexts a command is offered in: 0 a server, 1 a DM with the bot. */
const IN_SERVERS = 0;
const IN_DMS = 1;
const STRING = 3;
/** MANAGE_GUILD ("Manage Server"): the default permission to see /register and /unregister. */
const MANAGE_GUILD = String(1 << 5);

/** Discord shows at most 25 choices for an option; with more topics the option is free text. */
export const MAX_CHOICES = 25;
/** A choice's name and value: 1-100 characters each. */
const CHOICE_LENGTH = 100;

/** The topic option: a choice of the business's topics when they fit Discord's list, else free text. */
function topicOption(description: string, topics: readonly string[]) {
  const usable = [...new Set(topics)].filter((t) => t.length > 0 && t.length <= CHOICE_LENGTH);
  const asChoices = usable.length > 0 && usable.length === topics.length && usable.length <= MAX_CHOICES;
  return {
    type: STRING,
    name: 'topic',
    description,
    required: false,
    ...(asChoices ? { choices: usable.map((name) => ({ name, value: name })) } : { max_length: 100 }),
  };
}

/**
 * Hearth's slash commands for the business's `topics` (subscribe and unsubscribe offer them as choices). Answers to subscribe, unsubscribe, topics and help concern only the
 * member and are ephemeral (normalize.ts); /ask is a question to the bot; /register needs Manage
 * Server, which Discord checks (default_member_permissions) and the core checks again.
 */
export const slashCommands = (topics: readonly string[] = []) =>
  [
    {
      name: 'subscribe',
      description: 'Get updates on a topic',
      options: [topicOption('Topic to follow (see /topics)', topics)],
    },
    {
      name: 'unsubscribe',
      description: 'Stop updates on a topic, or all',
      options: [topicOption('Topic to stop (none: all)', topics)],
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

/**
 * Registers the commands by bulk overwrite, only when the set (or where it goes) changed; the topics
 * are part of the set, so a topic added or removed is registered at the next start.
 */
export async function registerCommands(options: {
  state: AdapterState;
  guildId: string | undefined;
  topics: readonly string[];
  put: (commands: unknown[]) => Promise<unknown>;
}): Promise<boolean> {
  const { state, guildId, put } = options;
  const commands = slashCommands(options.topics);
  const hash = createHash('sha256')
    .update(JSON.stringify({ guildId: guildId ?? null, commands }))
    .digest('hex');
  const stored = await state.get<string>('commands');
  if (stored?.value === hash) return false;
  await put(commands);
  await state.set('commands', hash);
  return true;
}
