"""Bank evidence in: raw bank and payment exports (bank-formats.md) read into normalised frames
(:mod:`.exports`), then merged into the tables of a case folder, which ``validate`` and
``analyze`` read like any other case."""
