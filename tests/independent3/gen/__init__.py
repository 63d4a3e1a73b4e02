"""Independent synthetic case generator #3 for casegraph (see ../NOTES.md)."""
