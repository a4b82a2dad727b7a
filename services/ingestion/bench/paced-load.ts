/**
 * An open-loop load at a steady rate, for latency: request i is due at start + i/rate, and
 * its latency counts from when it was due, not from when it went out (so a stalled server
 * cannot hide its stall by slowing the sender — no coordinated omission).
 *
 * autocannon's overallRate is not steady: each connection sends its whole per-second quota at
 * the start of every second and then waits, so the server sees a burst of every connection at
 * once each second and the latency measured is mostly the time to drain that burst.
 *
 * Run as its own process with URL, RATE, SECONDS, BODY and HEADERS (JSON) in the environment;
 * prints one JSON line.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

const url = new URL(process.env.URL!);
const rate = Number(process.env.RATE);
const seconds = Number(process.env.SECONDS);
const body = Buffer.from(process.env.BODY ?? '');
const headers = {
  ...(JSON.parse(process.env.HEADERS ?? '{}') as Record<string, string>),
  'content-length': String(body.length),
};
const agent = new Agent({ keepAlive: true, maxSockets: 512, noDelay: true });

const latencies: number[] = [];
let sent = 0;
let ok = 0;
let failed = 0;
let outstanding = 0;

function send(dueAt: number): void {
  outstanding += 1;
  const req = request(
    { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent },
    (res) => {
      res.resume();
      res.on('end', () => {
        outstanding -= 1;
        latencies.push(performance.now() - dueAt);
        if (res.statusCode !== undefined && res.statusCode < 300) ok += 1;
        else failed += 1;
      });
    },
  );
  req.on('error', () => {
    outstanding -= 1;
    failed += 1;
  });
  req.setNoDelay(true);
  req.end(body);
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const start = performance.now();
const total = Math.round(rate * seconds);
const ticker = setInterval(() => {
  // Requests 0…n are due once n/rate seconds have passed.
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
  while (sent < due) send(start + (sent++ * 1000) / rate);
  if (sent >= total) {
    clearInterval(ticker);
    const waitUntil = performance.now() + 10_000;
    const done = setInterval(() => {
      if (outstanding > 0 && performance.now() < waitUntil) return;
      clearInterval(done);
      const sorted = latencies.sort((a, b) => a - b);
      const round = (v: number) => Number(v.toFixed(2));
      process.stdout.write(
        `${JSON.stringify({
          sent,
          ok,
          failed: failed + outstanding,
          p50: round(percentile(sorted, 50)),
          p90: round(percentile(sorted, 90)),
          p99: round(percentile(sorted, 99)),
          max: round(sorted[sorted.length - 1] ?? 0),
        })}\n`,
      );
      agent.destroy();
    }, 50);
  }
}, 1);
