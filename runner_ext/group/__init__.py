"""Group scale: scan every project of a GitLab group (:mod:`runner_ext.group.scan`), migrate
them by merge requests (:mod:`runner_ext.group.migrate`), and report the build-time change from
their job history (:mod:`runner_ext.group.history`, :mod:`runner_ext.group.report`).

GitLab is reached only through :mod:`runner_ext.gitlab.group`; the jobs are judged by the
migration's own analysis (:mod:`runner_ext.migrate`) and the Dockerfile rules.
"""
