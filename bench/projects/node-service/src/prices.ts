export interface Price {
  sku: string;
  cents: number;
}

export function total(prices: Price[]): number {
  return prices.reduce((sum, price) => sum + price.cents, 0);
}

export function cheapest(prices: Price[]): Price | undefined {
  return [...prices].sort((a, b) => a.cents - b.cents)[0];
}
