"""Independent synthetic case generator #4 for casegraph (see NOTES.md)."""
