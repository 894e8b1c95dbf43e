"""Adopting the toolkit in another repository: a new team's starter handbook (`starter`, what `ops init`
writes) and the `requirements.txt` line that installs this toolkit as it is installed here (`pin`)."""
