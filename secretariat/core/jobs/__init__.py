"""Durable background work (ジョブ): a job table in the store, workers that take its rows.

Domains register their job functions (`JobKind`) with a `Registry` that the composition root
builds; the core never imports them. See `service.enqueue` and `worker.Worker`.
"""
