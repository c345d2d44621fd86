"""What the classify stage runs: the worker, the record types, threads, signals, labels and the lexicon baseline."""
