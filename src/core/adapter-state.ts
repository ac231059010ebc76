/** A stored value and its version (1 for the first write; each write adds one). */
export interface Versioned<T> {
  value: T;
  version: number;
}

/**
 * An adapter's durable key-value state (a polling cursor, a gateway session, a rotated token),
 * backed by the database: values survive a restart and every write is atomic. Values are JSON.
 */
export interface AdapterState {
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /** Writes unconditionally; returns the new version. */
  set<T>(key: string, value: T): Promise<number>;
  /**
   * Writes only if the stored version is still `expectedVersion` (null: only if the key is absent);
   * of two writers racing from the same version exactly one wins. Returns the new version, or
   * undefined when another write came first.
   */
  compareAndSet<T>(key: string, expectedVersion: number | null, value: T): Promise<number | undefined>;
  delete(key: string): Promise<void>;
}
