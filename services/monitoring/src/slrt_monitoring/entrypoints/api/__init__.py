"""HTTP API of the monitoring service: tracking and dashboard figures, monev reports, the national stream."""
