"""The upstream sales API."""

import os

import requests

UPSTREAM = os.environ.get("UPSTREAM_URL", "http://localhost:9000")


def fetch_sales() -> list[dict[str, float]]:
    response = requests.get(f"{UPSTREAM}/sales", timeout=2)
    response.raise_for_status()
    return list(response.json())
