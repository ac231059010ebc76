import type { Composer } from '../core/composer.ts';
import type { DeliveryListener } from '../delivery/worker.ts';
import type { HttpMount } from '../http/routes.ts';
import type { HearthContext, Services } from './context.ts';

/** One job Hearth does (subscriptions, support, polls...): a composer plus optional lifecycle hooks. */
export interface Feature {
  readonly name: string;
  /** Handles inbound events; features run in the order they are installed. */
  readonly composer?: Composer<HearthContext>;
  /** Hears delivery outcomes. */
  readonly delivery?: DeliveryListener;
  /** Extra HTTP endpoints. */
  mount?(http: HttpMount): void;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type FeatureFactory = (services: Services) => Feature;
