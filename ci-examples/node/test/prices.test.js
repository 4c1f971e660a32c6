const test = require("node:test");
const assert = require("node:assert");
const { priceWithTax } = require("../src/prices");

test("adds 20% tax", () => {
  assert.strictEqual(priceWithTax(1000), 1200);
});
