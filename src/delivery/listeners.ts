import type { PermanentError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { SendResult } from '../core/outbound.ts';
import type { OutboxRow } from './outbox.ts';

/** Told about delivery outcomes (metrics, broadcasts' progress, unsubscribing unreachable members). */
export interface DeliveryListener {
  onSent?(row: OutboxRow, result: SendResult): Promise<void> | void;
  onDead?(row: OutboxRow, error: unknown): Promise<void> | void;
  /** The platform says this recipient is gone for good (blocked the bot, deactivated). */
  onRecipientGone?(row: OutboxRow, error: PermanentError): Promise<void> | void;
}

/** The features listening to delivery outcomes. */
export class DeliveryListeners {
  private readonly listeners: DeliveryListener[] = [];

  constructor(private readonly log: Logger) {}

  add(listener: DeliveryListener): void {
    this.listeners.push(listener);
  }

  /** Tells every listener at once: they are independent features, and one slow one holds up no other. */
  async notify(what: string, call: (listener: DeliveryListener) => unknown): Promise<void> {
    await Promise.all(
      this.listeners.map(async (listener) => {
        try {
          await call(listener);
        } catch (error) {
          this.log.error({ err: error, hook: what }, 'delivery listener failed');
        }
      }),
    );
  }
}
