"""Stock levels."""


class Stock:
    def __init__(self, levels: dict[str, int]) -> None:
        self.levels = dict(levels)

    def available(self, name: str) -> bool:
        return self.levels.get(name, 0) > 0
