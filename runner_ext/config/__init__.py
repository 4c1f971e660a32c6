"""Organisation configuration: the model and its loader."""

from runner_ext.config.load import load_config, parse_config
from runner_ext.config.model import OrgConfig
from runner_ext.engines import ENGINES, Engine

__all__ = ["ENGINES", "Engine", "OrgConfig", "load_config", "parse_config"]
