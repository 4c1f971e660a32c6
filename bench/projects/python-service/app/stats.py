"""Summary statistics over a sales table."""

import numpy as np
import pandas as pd


def summarise(rows: list[dict[str, float]]) -> dict[str, float]:
    frame = pd.DataFrame(rows, columns=["units", "price"])
    revenue = frame["units"] * frame["price"]
    return {
        "rows": float(len(frame)),
        "revenue": float(revenue.sum()),
        "p90_price": float(np.percentile(frame["price"], 90)) if len(frame) else 0.0,
    }
