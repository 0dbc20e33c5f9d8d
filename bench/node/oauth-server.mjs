// Better Auth 1.7.25 with @better-auth/oauth-provider 1.7.5 as a plain Node HTTP
// server, the baseline of bench/oauth.sh.
//
//   node oauth-server.mjs --migrate   create the schema in DATABASE_URL, then exit
//   node oauth-server.mjs --client    create the bench client, print it as JSON, exit
//   node oauth-server.mjs             serve 127.0.0.1:$BENCH_PORT, base path /api/auth
//
// Environment: DATABASE_URL, BENCH_PORT, BETTER_AUTH_SECRET, BENCH_NODE_WORKERS
// (1: one process; 2: a node:cluster of two), and for --client BENCH_EMAIL,
// BENCH_PASSWORD, BENCH_REDIRECT_URI.
import cluster from "node:cluster";
import http from "node:http";
import { toNodeHandler } from "better-auth/node";
import { getMigrations } from "better-auth/db/migration";
import { createBenchClient, makeOAuthAuth } from "./oauth-auth.mjs";

const PORT = Number(process.env.BENCH_PORT || 3200);
const WORKERS = Number(process.env.BENCH_NODE_WORKERS || 1);
const { auth, pool } = makeOAuthAuth({ origin: `http://127.0.0.1:${PORT}` });

if (process.argv.includes("--migrate")) {
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  await pool.end();
  process.exit(0);
}

if (process.argv.includes("--client")) {
  const client = await createBenchClient(auth, {
    email: process.env.BENCH_EMAIL,
    password: process.env.BENCH_PASSWORD,
    redirectUri: process.env.BENCH_REDIRECT_URI,
  });
  console.log(JSON.stringify(client));
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
