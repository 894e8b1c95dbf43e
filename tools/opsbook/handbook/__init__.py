"""Files to a validated Handbook: loading, models, explanations of problems, cross-file checks."""
