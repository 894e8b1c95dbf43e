"""opsbook: an operations handbook that lives in git, and the toolkit that checks, schedules and publishes it."""

__version__ = "0.1.0"
