"""Turning requests into edits: splices on the CI files, the template's values, Dockerfile
fixes, writing."""
