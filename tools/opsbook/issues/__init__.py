"""Review issues on GitHub: a pure plan (what to create, update or close, and why) and a sync that applies it.

`body` renders what an issue says, `context` the facts it quotes from the handbook, `plan` decides, `github`
talks to the API politely (pacing, retries, rate limits) and `sync` applies a plan exactly once.
"""
