"""Where incident events go: each receiver returns an Outcome (delivered, retryable, error)."""

from alerts.notification.receivers.base import Outcome, Receiver
from alerts.notification.receivers.build import build_receivers

__all__ = ["Outcome", "Receiver", "build_receivers"]
