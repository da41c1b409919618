"""Response bodies built from objects, shaped per microversion."""
