"""Group scale: many projects at once, through the GitLab adapter only."""
