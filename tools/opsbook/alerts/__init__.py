"""Alertmanager's firing alerts → incidents, exactly once (`ops alerts pull`); see `pull.py` for the pipeline."""
