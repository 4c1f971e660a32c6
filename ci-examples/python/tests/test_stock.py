from inventory.stock import Stock


def test_available() -> None:
    stock = Stock({"apple": 1, "pear": 0})
    assert stock.available("apple")
    assert not stock.available("pear")
    assert not stock.available("plum")
