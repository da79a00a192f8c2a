"""Feature packages. Each exposes `feature: Feature` in its `__init__`."""
