"""The public status page and its feeds, built only from what the handbook marks public."""
