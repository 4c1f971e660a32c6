"""What each job does: jobs as GitLab sees them, their shell and Docker commands, the
build request."""
