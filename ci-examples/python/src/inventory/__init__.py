"""A tiny stock service."""
