"""Help desks we talk to directly: each desk's webhook signature and payloads, turned into our ticket events."""
