"""The default match threshold, in a module light enough for the duplicate check
to import without Splink: the match probability at which two rows merge."""

DEFAULT_MATCH_THRESHOLD = 0.95
