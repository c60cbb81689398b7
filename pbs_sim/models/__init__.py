"""The simulator's backend: PBS state and rules, no HTTP (moto's ``models``)."""
