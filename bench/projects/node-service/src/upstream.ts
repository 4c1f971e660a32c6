import axios from "axios";
import type { Price } from "./prices";

export async function fetchPrices(baseUrl: string): Promise<Price[]> {
  const response = await axios.get<Price[]>(`${baseUrl}/prices`, { timeout: 2000 });
  return response.data;
}
