import type { FeatureFactory } from '../app/feature.ts';
import { broadcastsFeature } from './broadcasts/index.ts';
import { channelsFeature } from './channels/index.ts';
import { fallbackFeature } from './fallback.ts';
import { journeyFeature } from './journey/index.ts';
import { maintenanceFeature } from './maintenance.ts';
import { metricsFeature } from './metrics/index.ts';
import { pollsFeature } from './polls/index.ts';
import { subscriptionsFeature } from './subscriptions/index.ts';
import { supportFeature } from './support/index.ts';

/** Features in the order they see events. The fallback answers whatever nobody handled. */
export const FEATURES: FeatureFactory[] = [
  journeyFeature,
  subscriptionsFeature,
  channelsFeature,
  pollsFeature,
  broadcastsFeature,
  maintenanceFeature,
  metricsFeature,
  supportFeature,
  fallbackFeature,
];
