"""The command layer: declare once (spec), parse, dispatch, reply."""
