"""SLOs beyond the catalogue file: OpenSLO export and import."""
