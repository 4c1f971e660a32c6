"""Kubernetes side of runner-ext: build pods, the Kaniko warmer, GitLab Runner config and the
Pod Security Standards checker (``runner_ext.kube.pss``). Pure rendering: nothing here talks
to a cluster.
"""
