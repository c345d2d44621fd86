"""Every metric Luisterpost exports, in one place (docs/operations.md, Metrics). Base units, bounded labels:
never a mention id or an author handle. The registry is injected so tests read their own values."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

LATENCY_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        # process_start_time_seconds (restarts), process_resident_memory_bytes and process_cpu_seconds_total.
        ProcessCollector(registry=r)
        self.consumed = Counter("luisterpost_records_consumed_total", "Records read from the input topic",
                                ["stage"], registry=r)
        self.produced = Counter("luisterpost_records_produced_total", "Records written and acknowledged",
                                ["stage", "topic"], registry=r)
        self.dlq = Counter("luisterpost_dlq_records_total", "Records sent to the dead-letter topic",
                           ["stage", "reason"], registry=r)
        self.dlq_ratio = Gauge("luisterpost_dlq_ratio",
                               "Share of the stage's recent records (ingest.halt_window) sent to the DLQ",
                               ["stage"], registry=r)
        self.skipped = Counter("luisterpost_mentions_skipped_total",
                               "Valid mentions not passed on (duplicate id, no brand of ours)",
                               ["stage", "reason"], registry=r)
        self.late = Counter("luisterpost_late_records_total",
                            "Mentions older than the clock minus event_time.stale_hours: counted and dropped",
                            ["stage"], registry=r)
        self.batch_size = Histogram("luisterpost_classify_batch_size", "Mentions per classification batch",
                                    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256), registry=r)
        self.batch_seconds = Histogram("luisterpost_classify_batch_duration_seconds",
                                       "Time to classify one batch", registry=r)
        self.labels = Counter("luisterpost_mentions_classified_total", "Classified mentions by label",
                              ["brand", "stance", "sentiment"], registry=r)
        self.lag_records = Gauge("luisterpost_consumer_lag_records", "Records behind the log end",
                                 ["stage"], registry=r)
        self.lag_seconds = Gauge("luisterpost_consumer_lag_seconds",
                                 "Age of the newest consumed record while behind", ["stage"], registry=r)
        self.incidents = Counter("luisterpost_incidents_total", "Incident events decided",
                                 ["rule", "action"], registry=r)
        self.silenced = Counter("luisterpost_incident_events_silenced_total",
                                "Incident events held back from the pagers by a silence", ["rule", "action"],
                                registry=r)
        self.deliveries = Counter("luisterpost_pager_deliveries_total",
                                  "Delivery attempts per receiver, and events given up (outcome given_up)",
                                  ["receiver", "outcome"], registry=r)
        self.pager_pending = Gauge("luisterpost_pager_pending_events",
                                   "Incident events waiting in a receiver's delivery lane", ["receiver"], registry=r)
        self.pager_oldest_pending = Gauge("luisterpost_pager_oldest_pending_seconds",
                                          "How long the oldest event in a receiver's lane has waited",
                                          ["receiver"], registry=r)
        self.end_to_end = Histogram("luisterpost_end_to_end_latency_seconds",
                                    "From the newest mention's created_at to the incident decision",
                                    buckets=LATENCY_BUCKETS, registry=r)
        self.open_incidents = Gauge("luisterpost_open_incidents",
                                    "Incidents open now (triggered, not resolved) in this detect process",
                                    ["brand", "rule", "severity"], registry=r)
        self.model_info = Gauge("luisterpost_model_info", "The classifier in use (value 1)",
                                ["name", "version"], registry=r)
        self.loop_turn = Gauge("luisterpost_loop_last_turn_timestamp_seconds",
                               "When each stage's loop last turned (Unix time)", ["stage"], registry=r)
        self.assigned = Gauge("luisterpost_assigned_partitions", "Partitions assigned to this stage",
                              ["stage"], registry=r)
        self.intake_requests = Counter("luisterpost_intake_requests_total",
                                       "Requests to the intake's POST /v1/mentions, by response code",
                                       ["code"], registry=r)
        self.intake_records = Counter("luisterpost_intake_records_accepted_total",
                                      "Records the intake wrote to mentions.raw (acknowledged), by configured client",
                                      ["client"], registry=r)
        self.broker_up = Gauge("luisterpost_broker_reachable",
                               "1 while this stage's Kafka broker answers, 0 after broker_timeout_s without contact",
                               ["stage"], registry=r)
        self.rejoins = Counter("luisterpost_consumer_rejoins_total",
                               "New Kafka clients: reason broker (broker lost) or starved (no partitions while "
                               "the group's input waits)", ["stage", "reason"], registry=r)
        # The review page: each label a person sets (a correction, or a confirmation of the model's).
        self.label_corrections = Counter("luisterpost_label_corrections_total",
                                         "Labels set by a person on the review page, by what the model said",
                                         ["head", "model_label", "person_label", "agreed"], registry=r)
