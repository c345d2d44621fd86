"""Detection: event-time clocks, windows and baselines, observations, and the incident book."""
