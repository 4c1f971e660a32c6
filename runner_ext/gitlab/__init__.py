"""The GitLab adapter: python-gitlab behind a small protocol, and publishing a change as an MR.

``api`` holds the protocol and its plain data; ``client`` is the only module that talks to
python-gitlab; ``publish`` proposes file changes as one commit on a branch and one merge request.
"""
