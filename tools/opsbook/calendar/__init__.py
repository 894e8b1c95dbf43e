"""The review calendar: cadences to occurrences (the one schedule engine), and occurrences to iCalendar feeds."""
