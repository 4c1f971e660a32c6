"""Migrating a project's image builds to runner-ext."""
