"""Metrics: numpy in, numpy out (images x neurons x repetitions), with Brain-Score wrappers at the edge."""
