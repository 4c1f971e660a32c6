"""A small HTTP service summarising sales data, used as a benchmark fixture."""
