"""Group scale: scan every project of a GitLab group (:mod:`runner_ext.group.scan`).

GitLab is reached only through :mod:`runner_ext.gitlab.group`; the jobs are judged by the
migration's own analysis (:mod:`runner_ext.migrate`) and the Dockerfile rules.
"""
