const TAX_RATE = 0.2;

function priceWithTax(cents) {
  return Math.round(cents * (1 + TAX_RATE));
}

module.exports = { priceWithTax };
