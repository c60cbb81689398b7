"""The simulator's HTTP side: request pipeline (``app``), faults, request log, server sockets/TLS."""
