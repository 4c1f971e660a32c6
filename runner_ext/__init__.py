"""runner-ext: daemonless, cached GitLab CI image builds on Kubernetes runners."""

__version__ = "0.1.0"
