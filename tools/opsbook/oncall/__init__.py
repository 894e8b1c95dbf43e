"""On-call: rotations → shifts, overrides, the fair-share report and shift feeds (on the schedule engine)."""
