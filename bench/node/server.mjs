// Better Auth 1.7.25 as a plain Node HTTP server, the baseline of bench/run.sh.
//
//   node server.mjs --migrate   create the schema in DATABASE_URL, then exit
//   node server.mjs             serve 127.0.0.1:$BENCH_PORT, base path /api/auth
//
// Environment: DATABASE_URL (postgres://...), BENCH_PORT, BETTER_AUTH_SECRET,
// BENCH_COOKIE_CACHE=1 (session.cookieCache on, compact strategy, 300 s),
// BENCH_NODE_WORKERS (default 1: one process, Better Auth's usual deployment;
// 2 forks a node:cluster of two, as many processes as the Django side runs).
//
// Only emailAndPassword is on (auth.mjs): no plugins, rate limiting and
// telemetry off, the cheapest configuration Better Auth has for these endpoints.
import cluster from "node:cluster";
import http from "node:http";
import { toNodeHandler } from "better-auth/node";
import { getMigrations } from "better-auth/db/migration";
import { makeAuth } from "./auth.mjs";

const PORT = Number(process.env.BENCH_PORT || 3200);
const WORKERS = Number(process.env.BENCH_NODE_WORKERS || 1);
const { auth, pool } = makeAuth({
  origin: `http://127.0.0.1:${PORT}`,
  cookieCache: process.env.BENCH_COOKIE_CACHE === "1",
});

if (process.argv.includes("--migrate")) {
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  await pool.end();
  process.exit(0);
}

if (WORKERS > 1 && cluster.isPrimary) {
  for (let i = 0; i < WORKERS; i += 1) cluster.fork();
  const stop = () => {
    for (const worker of Object.values(cluster.workers)) worker.kill("SIGTERM");
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  http.createServer(toNodeHandler(auth)).listen(PORT, "127.0.0.1");
}
