import type { Config } from '../config.ts';
import type { Capabilities } from '../core/adapter.ts';
import { Context, type ContextDeps } from '../core/context.ts';
import type { InboundEvent, Platform } from '../core/events.ts';
import type { Logger } from '../core/log.ts';
import type { Db } from '../db/database.ts';
import type { Outbox } from '../delivery/outbox.ts';
import type { MetricsRecorder } from '../features/metrics/recorder.ts';
import type { MemberDirectory } from '../members/directory.ts';

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
  /** Platforms with a running adapter. */
  platforms(): Platform[];
  /** Asks the delivery worker for a pass now. */
  wakeDelivery(): void;
  now(): Date;
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

  /** The member behind the sender; set by the identify middleware before features run. */
  get memberId(): string {
    if (!this.member) throw new Error('member not identified yet');
    return this.member.memberId;
  }
}
