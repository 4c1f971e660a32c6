"""What a migration found and did: the result model, outcomes, masking, text/Markdown/JSON."""
