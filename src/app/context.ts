import type { Config } from '../config.ts';
import type { Capabilities } from '../core/adapter.ts';
import { Context, type ContextDeps } from '../core/context.ts';
import type { ChatAddress, InboundEvent, Platform } from '../core/events.ts';
import type { Logger } from '../core/log.ts';
import type { Database, Db } from '../db/database.ts';
import type { Outbox } from '../delivery/outbox.ts';
import type { MemberDirectory } from '../members/directory.ts';
import type { MetricsRecorder } from '../metrics/recorder.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';

/** The owners: where Hearth reports to them, and whether an event's sender is one of them. */
export interface Owners {
  /** The private owners' channel (Slack; `#owners` in the console's owner view). */
  channel: ChatAddress;
  isOwner(event: InboundEvent): boolean;
}

/** Shared services features use; one instance per running Hearth. */
export interface Services {
  config: Config;
  db: Db;
  outbox: Outbox;
  members: MemberDirectory;
  metrics: MetricsRecorder;
  log: Logger;
  /** Capabilities of the adapter serving a platform, if one runs. */
  capabilitiesOf(platform: Platform): Capabilities | undefined;
  /** Sends per second the limiter lets a platform make (its account windows); the broadcast pacer's rate. */
  sendRateOf(platform: Platform): number | undefined;
  /** Platforms with a running adapter. */
  platforms(): Platform[];
  /** Who runs this business: the owners' channel and the check for owner commands. */
  owners: Owners;
  /** Asks the delivery worker for a pass now. */
  wakeDelivery(): void;
  now(): Date;
  /** Schedules (one-off and recurring) fired once across instances; features register handlers per kind. */
  scheduler: Scheduler;
  /** The embedded PGlite or a PostgreSQL server (PGlite has no autovacuum; a feature vacuums it). */
  databaseKind: Database['kind'];
}

/** The context Hearth's features see. */
export class HearthContext extends Context {
  constructor(
    event: InboundEvent,
    deps: ContextDeps,
    readonly services: Services,
  ) {
    super(event, deps);
  }

  get capabilities(): Capabilities | undefined {
    return this.services.capabilitiesOf(this.event.address.platform);
  }

  /** True when the sender is one of the business's owners. */
  get isOwner(): boolean {
    return this.services.owners.isOwner(this.event);
  }

  /** The member behind the sender; set by the identify middleware before features run. */
  get memberId(): string {
    if (!this.member) throw new Error('member not identified yet');
    return this.member.memberId;
  }
}
