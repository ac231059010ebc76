/**
 * bench:scale --trace: preloaded into each Hearth process (node --import). Records, for every HTTP
 * request to the Bot API, the outbox row being delivered (if any), the shared-pace slot it left for,
 * when that slot's wait ended, when the request was made and when its body reached the socket.
 * Lines go to $SCALE_TRACE_DIR/<pid>.jsonl every 100 ms (a SIGKILL loses at most that much).
 * Diagnostics for the benchmark only; Hearth itself knows nothing of it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

const dir = process.env.SCALE_TRACE_DIR;
const root = new URL('../dist/', import.meta.url);
const als = new AsyncLocalStorage();
let lines = [];
const file = join(dir ?? '.', `${process.pid}.jsonl`);
const flush = () => {
  if (lines.length === 0) return;
  appendFileSync(file, lines.join(''));
  lines = [];
};
setInterval(flush, 100).unref();
process.on('exit', flush);

const { DeliveryWorker } = await import(new URL('src/delivery/worker.js', root).href);
const { SharedPace } = await import(new URL('src/delivery/shared-pace.js', root).href);

const deliver = DeliveryWorker.prototype.deliver;
DeliveryWorker.prototype.deliver = function (row) {
  return als.run({ id: String(row.id), chat: row.chatId, slots: [] }, () => deliver.call(this, row));
};
const depart = SharedPace.prototype.depart;
SharedPace.prototype.depart = async function (platform, intervalMs) {
  const store = als.getStore();
  const asked = Date.now();
  const slot = await depart.call(this, platform, intervalMs);
  store?.slots.push({ asked, slot, woke: Date.now() });
  return slot;
};

const request = http.request;
http.request = function (...args) {
  const req = request.apply(this, args);
  const store = als.getStore();
  const entry = {
    pid: process.pid,
    path: String(req.path ?? '')
      .split('/')
      .pop(),
    at: Date.now(),
    row: store?.id,
    slot: store?.slots.at(-1),
    slots: store?.slots.length ?? 0,
  };
  const write = req.write;
  req.write = function (chunk, ...rest) {
    if (entry.chat === undefined && chunk) {
      const match = /"chat_id":"?(-?\d+)/.exec(String(chunk));
      if (match) entry.chat = match[1];
    }
    return write.call(this, chunk, ...rest);
  };
  req.once('finish', () => {
    entry.flushed = Date.now();
  });
  req.once('response', (res) => {
    entry.status = res.statusCode;
    entry.answered = Date.now();
    if (entry.path !== 'getUpdates') lines.push(`${JSON.stringify(entry)}\n`);
  });
  return req;
};
