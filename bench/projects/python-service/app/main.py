"""HTTP entry point (gunicorn app.main:app)."""

from flask import Flask, jsonify

from app.stats import summarise
from app.upstream import fetch_sales

VERSION = "1"
app = Flask(__name__)


@app.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return jsonify(ok=True, version=VERSION)


@app.get("/summary")
def summary():  # type: ignore[no-untyped-def]
    return jsonify(summarise(fetch_sales()))
