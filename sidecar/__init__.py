"""The long-running sidecar service: composition root, scheduler, HTTP app, store, outbox."""
