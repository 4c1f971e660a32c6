import express from "express";
import pino from "pino";
import { loadConfig } from "./config";
import { cheapest, total } from "./prices";
import { fetchPrices } from "./upstream";

const VERSION = "1";
const log = pino();
const config = loadConfig();
const app = express();

app.get("/healthz", (_req, res) => {
  res.json({ ok: true, version: VERSION });
});

app.get("/summary", async (_req, res) => {
  const prices = await fetchPrices(config.UPSTREAM_URL);
  res.json({ total: total(prices), cheapest: cheapest(prices) });
});

app.listen(config.PORT, () => log.info({ port: config.PORT }, "listening"));
