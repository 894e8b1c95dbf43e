"""Charts: pure functions from numbers to accessible inline SVG (`svg` holds the shared primitives).

`budget` draws an SLO's error budget, `timeline` a post-mortem's stages against targets, `monthly` the
metrics page's response times and incident counts, `load` the team page's on-call hours. Callers
aggregate and pass plain numbers; nothing here reads files, the clock or the network.
"""
