"""Rendering Jinja2 templates from ``templates/`` into files."""
