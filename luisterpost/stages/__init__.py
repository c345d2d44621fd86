"""The four stages as Processors for the shared loop: thin shells around the pure cores."""
