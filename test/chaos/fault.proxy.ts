/**
 * A TCP proxy between one instance and the store (node:net; no package: toxiproxy is a Go server
 * that is not installed here, and the npm TCP proxies are unmaintained or cannot hold bytes).
 * It fails the way a network does, without closing anything the client could see:
 * - `pass`: bytes flow;
 * - `blackhole`: connections stay open (new ones are accepted), every byte is held in order,
 *   and `heal()` delivers what was held — late requests reach the server, as after a partition;
 * - `healByReset()`: drops what was held and resets every connection (RST), as a NAT or
 *   firewall that lost its state;
 * - `latency(ms)`: every chunk is delayed by `ms` in each direction, order kept;
 * - `reset()`: resets every connection now.
 * Each direction of each connection is a queue of chunks with a due time, delivered in order.
 */
import { createServer, type Server, Socket } from 'node:net';

/** What the proxy does with bytes now. */
export type ProxyMode = { kind: 'pass' } | { kind: 'blackhole' } | { kind: 'latency'; ms: number };

/** One direction of one proxied connection: chunks delivered in order once due (`null`: the sender ended). */
class Lane {
  private readonly queue: { chunk: Buffer | null; due: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly to: Socket) {}

  push(chunk: Buffer | null, due: number): void {
    this.queue.push({ chunk, due });
    this.pump();
  }

  /** Makes every held chunk due now (heal). */
  release(): void {
    for (const item of this.queue) if (item.due === Infinity) item.due = 0;
    this.pump();
  }

  drop(): void {
    this.queue.length = 0;
    clearTimeout(this.timer);
  }

  private pump(): void {
    clearTimeout(this.timer);
    const now = Date.now();
    while (this.queue.length && this.queue[0].due <= now) {
      const { chunk } = this.queue.shift()!;
      if (this.to.destroyed) continue;
      if (chunk) this.to.write(chunk);
      else this.to.end();
    }
    const head = this.queue[0];
    if (head && head.due !== Infinity) this.timer = setTimeout(() => this.pump(), head.due - now);
  }
}

/** A proxy listening on a free loopback port, forwarding to `target`. */
export class FaultProxy {
  private mode: ProxyMode = { kind: 'pass' };
  private readonly links = new Set<{ client: Socket; upstream: Socket; lanes: Lane[] }>();
  private server: Server | undefined;
  port = 0;
  /** Connections reset by `reset()` / `healByReset()`, in total. */
  resets = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  get current(): ProxyMode {
    return this.mode;
  }

  /** Bytes flow again; whatever was held (blackhole) or delayed is delivered first, in order. */
  heal(): void {
    this.mode = { kind: 'pass' };
    for (const link of this.links) for (const lane of link.lanes) lane.release();
  }

  blackhole(): void {
    this.mode = { kind: 'blackhole' };
  }

  latency(ms: number): void {
    this.mode = { kind: 'latency', ms };
  }

  /** Drops the held bytes and resets every connection; new ones pass. */
  healByReset(): void {
    this.mode = { kind: 'pass' };
    this.reset();
  }

  /** Resets every open connection (both sides see ECONNRESET); the mode stays. */
  reset(): void {
    for (const link of [...this.links]) this.drop(link);
  }

  /** Resets every connection and stops listening. */
  async shutdown(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    const upstream = new Socket();
    const [up, down] = [new Lane(upstream), new Lane(client)];
    const link = { client, upstream, lanes: [up, down] };
    this.links.add(link);
    upstream.connect(this.target.port, this.target.host);
    for (const [from, lane] of [
      [client, up],
      [upstream, down],
    ] as const) {
      from.on('data', (chunk) => lane.push(chunk, this.due()));
      from.on('end', () => lane.push(null, this.due()));
      // An error on one side (the server restarted, the client was killed) resets the other.
      from.on('error', () => this.drop(link));
      from.on('close', () => client.destroyed && upstream.destroyed && this.links.delete(link));
    }
  }

  /** When a chunk arriving now is delivered. */
  private due(): number {
    const mode = this.mode;
    return mode.kind === 'blackhole' ? Infinity : mode.kind === 'latency' ? Date.now() + mode.ms : 0;
  }

  /** Drops the link's held bytes and resets both of its sockets. */
  private drop(link: { client: Socket; upstream: Socket; lanes: Lane[] }): void {
    if (!this.links.delete(link)) return;
    for (const lane of link.lanes) lane.drop();
    for (const socket of [link.client, link.upstream]) {
      if (socket.destroyed) continue;
      // A reset while a shutdown (end()) or a connect is pending leaves the native handle behind and the
      // process spins at exit (Environment::CleanupHandles; libp2p/js-libp2p#3597): close those plainly.
      if (socket.writableEnded || socket.connecting) socket.destroy();
      else socket.resetAndDestroy();
    }
    this.resets++;
  }
}
