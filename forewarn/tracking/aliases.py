"""The registry's aliases: `champion` is served, `challenger` waits beside it."""

CHAMPION, CHALLENGER = "champion", "challenger"
ALIASES = (CHAMPION, CHALLENGER)
