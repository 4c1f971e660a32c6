"""Reading a project's CI files: YAML with positions, spans for splicing, includes, merge keys."""
