"""gdlab: the helper package of the gdlab gradient-descent course (being assembled)."""
