"""What every part of the server uses: its settings and its Prometheus counters."""
