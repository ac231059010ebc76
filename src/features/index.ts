import type { FeatureFactory } from '../app/feature.ts';
import { fallbackFeature } from './fallback.ts';
import { subscriptionsFeature } from './subscriptions/index.ts';

/** Features in the order they see events. The fallback answers whatever nobody handled. */
export const FEATURES: FeatureFactory[] = [subscriptionsFeature, fallbackFeature];
