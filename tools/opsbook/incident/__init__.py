"""The incident workflow: classify from metrics, open and edit post-mortems in place, report on them."""
