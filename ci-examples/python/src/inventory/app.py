"""HTTP API for stock levels."""

from flask import Flask, jsonify

from inventory.stock import Stock

app = Flask(__name__)
stock = Stock({"apple": 12, "pear": 0})


@app.get("/items/<name>")
def item(name: str):
    return jsonify(name=name, available=stock.available(name))
