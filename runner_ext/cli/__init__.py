"""The typer command line: one module per command group, no work done here."""
