"""The live Kubernetes adapter: ``cluster doctor``, ``cluster apply`` and ``build``.

The only package that imports the ``kubernetes`` client; ``runner_ext.kube`` renders and
checks manifests without a cluster, and everything here gets its objects from there.
"""
