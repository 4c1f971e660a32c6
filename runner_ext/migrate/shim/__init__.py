"""The script-preserving migration ("shim"): analysis, rewrite and the strategy choice."""
