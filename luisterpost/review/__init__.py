"""The review loop: the incident page for the on-call reader, and corrections as data on `labels`."""
