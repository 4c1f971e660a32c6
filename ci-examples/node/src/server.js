const express = require("express");
const { priceWithTax } = require("./prices");

const app = express();

app.get("/health", (_req, res) => res.json({ ok: true }));
app.get("/price/:cents", (req, res) => {
  res.json({ total: priceWithTax(Number(req.params.cents)) });
});

if (require.main === module) {
  app.listen(process.env.PORT || 3000);
}

module.exports = app;
