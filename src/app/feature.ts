import type { Composer } from '../core/composer.ts';
import type { OutboundContent } from '../core/outbound.ts';
import type { DeliveryListener } from '../delivery/listeners.ts';
import type { HttpMount } from '../http/routes.ts';
import type { SystemJob } from '../scheduler/system-job.ts';
import type { HearthContext, Services } from './context.ts';

/** One job Hearth does (subscriptions, support, polls...): a composer plus optional lifecycle hooks. */
export interface Feature {
  readonly name: string;
  /** Handles inbound events; features run in the order they are installed. */
  readonly composer?: Composer<HearthContext>;
  /** Hears delivery outcomes. */
  readonly delivery?: DeliveryListener;
  /** `/hearth <name> ...` subcommands this feature gives the owners. */
  readonly ownerCommands?: OwnerCommand[];
  /** Recurring jobs (digests, poll closing); run once per occurrence across instances. */
  readonly jobs?: SystemJob[];
  /** Extra HTTP endpoints. */
  mount?(http: HttpMount): void;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type FeatureFactory = (services: Services) => Feature;

/**
 * A subcommand of the owners' `/hearth` command (Slack, or the console's owner view). The owner
 * router checks the sender is an owner before `run`; `run` answers with `ctx.reply` (Block Kit
 * `blocks` plus a plain `text` fallback) and throws UserFacingError for bad arguments.
 */
export interface OwnerCommand {
  /** First word after `/hearth`, lower case. */
  readonly name: string;
  /** e.g. `stats [day|week|month]`. */
  readonly usage: string;
  /** One line for `/hearth help`. */
  readonly summary: string;
  run(ctx: HearthContext, args: string): Promise<void>;
  /**
   * For commands that go public: what would go out, to whom and when, shown to the owner with a
   * "Post" button before `run` (skipped with `--now`); null when these args post nothing. Throws
   * UserFacingError for bad arguments, like `run`.
   */
  preview?(ctx: HearthContext, args: string): Promise<OutboundContent | null>;
}
