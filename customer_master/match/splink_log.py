"""What of Splink's log a run shows. Splink warns, each time it builds settings
from a model, that a comparison has no null level. The company model's branch
comparison has none by design: a missing branch is the head office, a level of
its own (models.py). Settings are built many times a run (training, the stored
models, carried pairs, the check, the report), so that one warning is filtered
here, once; a comparison without a null level by mistake is still warned of."""

from __future__ import annotations

import logging

DELIBERATE_NO_NULL_LEVEL = "Warning: No null level found for comparison branch."


class _WithoutDeliberateWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(DELIBERATE_NO_NULL_LEVEL)


_SETTINGS_LOG = logging.getLogger("splink.internals.settings")
if not any(isinstance(f, _WithoutDeliberateWarnings) for f in _SETTINGS_LOG.filters):
    _SETTINGS_LOG.addFilter(_WithoutDeliberateWarnings())
